#include "ops/pointwise_chain.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/op_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace {

constexpr int kParamsPerStep = 3;
constexpr char kScalarFirst[] = "scalar_first";

// One step from its token and its three params; errors say what the token
// should have been.
absl::StatusOr<PointwiseStep> ParseStep(absl::string_view token, const float* p) {
  const std::vector<absl::string_view> parts = absl::StrSplit(token, ':');
  const absl::string_view kind = parts[0];
  if (kind == "activation" && parts.size() == 2) {
    ActivationParams params;
    KILN_ASSIGN_OR_RETURN(params.type, ActivationTypeFromName(parts[1]));
    params.alpha = p[0];
    params.beta = p[1];
    return PointwiseStep::Activation(params);
  }
  if (kind == "unary" && parts.size() == 2) {
    AttrMap attrs;
    attrs.Set("op", std::string(parts[1]));
    KILN_ASSIGN_OR_RETURN(UnaryParams params, UnaryParams::FromAttrs(attrs));
    return PointwiseStep::Unary(params.op);
  }
  if (kind == "scale" && (parts.size() == 1 || (parts.size() == 2 && parts[1] == "pow"))) {
    return PointwiseStep::Scale(p[0], p[1], parts.size() == 2 ? std::optional<float>(p[2])
                                                              : std::nullopt);
  }
  if (kind == "element_wise" &&
      (parts.size() == 2 || (parts.size() == 3 && parts[2] == kScalarFirst))) {
    AttrMap attrs;
    attrs.Set("op", std::string(parts[1]));
    KILN_ASSIGN_OR_RETURN(ElementWiseParams params, ElementWiseParams::FromAttrs(attrs));
    return PointwiseStep::ElementWise(params.op, p[0], parts.size() == 3);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown step '", token,
      "'; expected activation:<type>, unary:<op>, scale, scale:pow, element_wise:<op> or "
      "element_wise:<op>:scalar_first"));
}

// The three floats of `step` in the "params" attribute.
void AppendParams(const PointwiseStep& step, std::vector<float>& params) {
  float p[kParamsPerStep] = {0.0f, 0.0f, 0.0f};
  switch (step.kind) {
    case PointwiseStepKind::kActivation:
      p[0] = step.activation.alpha;
      p[1] = step.activation.beta;
      break;
    case PointwiseStepKind::kUnary: break;
    case PointwiseStepKind::kScale:
      p[0] = step.scale;
      p[1] = step.shift;
      p[2] = step.has_power ? step.power : 1.0f;
      break;
    case PointwiseStepKind::kElementWise: p[0] = step.scalar; break;
  }
  params.insert(params.end(), p, p + kParamsPerStep);
}

// What the Activation op's inference checks of its parameters.
absl::Status ValidateStep(const PointwiseStep& step) {
  if (step.kind == PointwiseStepKind::kActivation &&
      step.activation.type == ActivationType::kClip &&
      step.activation.alpha > step.activation.beta) {
    return absl::InvalidArgumentError(absl::StrCat("clip bounds are reversed: min (alpha) ",
                                                   step.activation.alpha, " > max (beta) ",
                                                   step.activation.beta));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TensorDesc>> InferPointwiseChain(const InferenceContext& ctx) {
  absl::StatusOr<PointwiseChainParams> params = PointwiseChainParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; PointwiseChain takes fp32 or fp16");
  }
  const int count = static_cast<int>(params->steps.size());
  if (count == 0) {
    return ctx.Error("the chain has no steps; attribute 'steps' must list at least one");
  }
  if (count > kMaxPointwiseChainSteps) {
    return ctx.Error("the chain has ", count, " steps; at most ", kMaxPointwiseChainSteps,
                     " fit in one layer: split it into several PointwiseChain layers");
  }
  for (int i = 0; i < count; ++i) {
    if (absl::Status s = ValidateStep(params->steps[i]); !s.ok()) {
      return ctx.Error("step ", i + 1, " (", params->steps[i].Token(), "): ", s.message());
    }
  }
  return std::vector<TensorDesc>{x};
}

OpSchema MakePointwiseChainSchema() {
  OpSchema schema;
  schema.name = kPointwiseChainOp;
  schema.infer = InferPointwiseChain;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakePointwiseChainSchema());

PointwiseStep PointwiseStep::Activation(const ActivationParams& params) {
  PointwiseStep step;
  step.kind = PointwiseStepKind::kActivation;
  step.activation = params;
  return step;
}

PointwiseStep PointwiseStep::Unary(UnaryOp op) {
  PointwiseStep step;
  step.kind = PointwiseStepKind::kUnary;
  step.unary = op;
  return step;
}

PointwiseStep PointwiseStep::Scale(float scale, float shift, std::optional<float> power) {
  PointwiseStep step;
  step.kind = PointwiseStepKind::kScale;
  step.scale = scale;
  step.shift = shift;
  step.has_power = power.has_value();
  step.power = power.value_or(1.0f);
  return step;
}

PointwiseStep PointwiseStep::ElementWise(ElementWiseOp op, float scalar, bool scalar_first) {
  PointwiseStep step;
  step.kind = PointwiseStepKind::kElementWise;
  step.binary = op;
  step.scalar = scalar;
  step.scalar_first = scalar_first;
  return step;
}

std::string PointwiseStep::Token() const {
  switch (kind) {
    case PointwiseStepKind::kActivation:
      return absl::StrCat("activation:", ActivationTypeName(activation.type));
    case PointwiseStepKind::kUnary: return absl::StrCat("unary:", UnaryOpName(unary));
    case PointwiseStepKind::kScale: return has_power ? "scale:pow" : "scale";
    case PointwiseStepKind::kElementWise:
      return absl::StrCat("element_wise:", ElementWiseOpName(binary),
                          scalar_first ? absl::StrCat(":", kScalarFirst) : "");
  }
  return "unknown";
}

std::string PointwiseStep::ToString() const {
  switch (kind) {
    case PointwiseStepKind::kActivation:
      return absl::StrCat(ActivationTypeName(activation.type), "(alpha=", activation.alpha,
                          ", beta=", activation.beta, ")");
    case PointwiseStepKind::kUnary: return std::string(UnaryOpName(unary));
    case PointwiseStepKind::kScale: {
      std::string s = absl::StrCat("x * ", scale, " + ", shift);
      return has_power ? absl::StrCat("(", s, ") ^ ", power) : s;
    }
    case PointwiseStepKind::kElementWise:
      return scalar_first ? absl::StrCat(ElementWiseOpName(binary), "(", scalar, ", x)")
                          : absl::StrCat(ElementWiseOpName(binary), "(x, ", scalar, ")");
  }
  return "unknown";
}

bool PointwiseStep::operator==(const PointwiseStep& other) const {
  std::vector<float> a, b;
  AppendParams(*this, a);
  AppendParams(other, b);
  return Token() == other.Token() && a == b;
}

AttrMap PointwiseChainParams::ToAttrs() const {
  std::vector<std::string> tokens;
  std::vector<float> params;
  for (const PointwiseStep& step : steps) {
    tokens.push_back(step.Token());
    AppendParams(step, params);
  }
  AttrMap attrs;
  attrs.Set("steps", absl::StrJoin(tokens, ","));
  attrs.Set("params", std::move(params));
  return attrs;
}

absl::StatusOr<PointwiseChainParams> PointwiseChainParams::FromAttrs(const AttrMap& attrs) {
  KILN_ASSIGN_OR_RETURN(std::string steps, attrs.GetString("steps", ""));
  KILN_ASSIGN_OR_RETURN(std::vector<float> params, attrs.GetFloats("params", {}));
  std::vector<absl::string_view> tokens;
  if (!steps.empty()) tokens = absl::StrSplit(steps, ',');
  if (params.size() != tokens.size() * kParamsPerStep) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'params' has ", params.size(), " values for ", tokens.size(),
                     " steps ('", steps, "'); expected ", kParamsPerStep, " per step"));
  }
  PointwiseChainParams chain;
  for (size_t i = 0; i < tokens.size(); ++i) {
    absl::StatusOr<PointwiseStep> step = ParseStep(tokens[i], &params[i * kParamsPerStep]);
    if (!step.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("step ", i + 1, ": ", step.status().message()));
    }
    chain.steps.push_back(*std::move(step));
  }
  return chain;
}

std::string PointwiseChainParams::ToString() const {
  std::vector<std::string> parts;
  for (const PointwiseStep& step : steps) parts.push_back(step.ToString());
  return absl::StrJoin(parts, " -> ");
}

absl::StatusOr<TensorId> AddPointwiseChain(NetworkDefinition& network, absl::string_view name,
                                           TensorId input, const PointwiseChainParams& params) {
  return network.AddLayer1(name, kPointwiseChainOp, {input}, params.ToAttrs());
}

}  // namespace kiln
