#include "ops/activation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

constexpr ActivationType kAllTypes[] = {
    ActivationType::kRelu,        ActivationType::kSigmoid,    ActivationType::kTanh,
    ActivationType::kLeakyRelu,   ActivationType::kElu,        ActivationType::kSelu,
    ActivationType::kClip,        ActivationType::kSoftplus,   ActivationType::kSoftsign,
    ActivationType::kHardSigmoid, ActivationType::kScaledTanh, ActivationType::kThresholdedRelu,
    ActivationType::kGelu,        ActivationType::kHardSwish,  ActivationType::kGeluTanh,
};

absl::StatusOr<std::vector<TensorDesc>> InferActivation(const InferenceContext& ctx) {
  absl::StatusOr<ActivationParams> params = ActivationParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  if (!IsFloatType(ctx.inputs[0].dtype)) {
    return ctx.Error("input '", ctx.inputs[0].name, "' is ", DataTypeName(ctx.inputs[0].dtype),
                     "; activations take fp32 or fp16");
  }
  if (params->type == ActivationType::kClip && params->alpha > params->beta) {
    return ctx.Error("clip bounds are reversed: min (alpha) ", params->alpha, " > max (beta) ",
                     params->beta);
  }
  TensorDesc out = ctx.inputs[0];
  return std::vector<TensorDesc>{out};
}

OpSchema MakeActivationSchema() {
  OpSchema schema;
  schema.name = kActivationOp;
  schema.infer = InferActivation;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeActivationSchema());

absl::string_view ActivationTypeName(ActivationType type) {
  switch (type) {
    case ActivationType::kRelu: return "relu";
    case ActivationType::kSigmoid: return "sigmoid";
    case ActivationType::kTanh: return "tanh";
    case ActivationType::kLeakyRelu: return "leaky_relu";
    case ActivationType::kElu: return "elu";
    case ActivationType::kSelu: return "selu";
    case ActivationType::kClip: return "clip";
    case ActivationType::kSoftplus: return "softplus";
    case ActivationType::kSoftsign: return "softsign";
    case ActivationType::kHardSigmoid: return "hard_sigmoid";
    case ActivationType::kScaledTanh: return "scaled_tanh";
    case ActivationType::kThresholdedRelu: return "thresholded_relu";
    case ActivationType::kGelu: return "gelu";
    case ActivationType::kHardSwish: return "hard_swish";
    case ActivationType::kGeluTanh: return "gelu_tanh";
  }
  return "unknown";
}

AttrMap ActivationParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("type", std::string(ActivationTypeName(type)));
  attrs.Set("alpha", alpha);
  attrs.Set("beta", beta);
  return attrs;
}

absl::StatusOr<ActivationType> ActivationTypeFromName(absl::string_view name) {
  for (ActivationType t : kAllTypes) {
    if (ActivationTypeName(t) == name) return t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown activation type '", name,
      "'; expected relu, sigmoid, tanh, leaky_relu, elu, selu, clip, softplus, softsign, "
      "hard_sigmoid, scaled_tanh, thresholded_relu, gelu, hard_swish or gelu_tanh"));
}

absl::StatusOr<ActivationParams> ActivationParams::FromAttrs(const AttrMap& attrs) {
  ActivationParams params;
  KILN_ASSIGN_OR_RETURN(std::string type, attrs.GetString("type", "relu"));
  KILN_ASSIGN_OR_RETURN(params.type, ActivationTypeFromName(type));
  KILN_ASSIGN_OR_RETURN(params.alpha, attrs.GetFloat("alpha", 0.0f));
  KILN_ASSIGN_OR_RETURN(params.beta, attrs.GetFloat("beta", 0.0f));
  return params;
}

bool IsFusableActivation(ActivationType type) {
  return type == ActivationType::kRelu || type == ActivationType::kGelu ||
         type == ActivationType::kGeluTanh;
}

absl::StatusOr<std::optional<ActivationType>> GetFusedActivation(const AttrMap& attrs) {
  if (!attrs.Has(kFusedActivationAttr)) return std::optional<ActivationType>();
  KILN_ASSIGN_OR_RETURN(std::string name, attrs.GetString(kFusedActivationAttr, ""));
  KILN_ASSIGN_OR_RETURN(ActivationType type, ActivationTypeFromName(name));
  if (!IsFusableActivation(type)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fused activation '", name,
                     "' is not supported; only relu, gelu and gelu_tanh can be fused; "
                     "apply other activations with a separate Activation layer"));
  }
  return std::optional<ActivationType>(type);
}

void SetFusedActivation(std::optional<ActivationType> activation, AttrMap& attrs) {
  if (activation.has_value()) {
    attrs.Set(kFusedActivationAttr, std::string(ActivationTypeName(*activation)));
  }
}

absl::StatusOr<std::optional<ActivationParams>> GetFusedActivationParams(const AttrMap& attrs) {
  if (!attrs.Has(kFusedActivationAttr)) return std::optional<ActivationParams>();
  ActivationParams params;
  KILN_ASSIGN_OR_RETURN(std::string name, attrs.GetString(kFusedActivationAttr, ""));
  KILN_ASSIGN_OR_RETURN(params.type, ActivationTypeFromName(name));
  KILN_ASSIGN_OR_RETURN(params.alpha, attrs.GetFloat("activation_alpha", 0.0f));
  KILN_ASSIGN_OR_RETURN(params.beta, attrs.GetFloat("activation_beta", 0.0f));
  return std::optional<ActivationParams>(params);
}

void SetFusedActivationParams(const std::optional<ActivationParams>& activation,
                              AttrMap& attrs) {
  if (!activation.has_value()) return;
  attrs.Set(kFusedActivationAttr, std::string(ActivationTypeName(activation->type)));
  attrs.Set("activation_alpha", activation->alpha);
  attrs.Set("activation_beta", activation->beta);
}

absl::StatusOr<TensorId> AddActivation(NetworkDefinition& network, absl::string_view name,
                                       TensorId input, const ActivationParams& params) {
  return network.AddLayer1(name, kActivationOp, {input}, params.ToAttrs());
}

}  // namespace kiln
