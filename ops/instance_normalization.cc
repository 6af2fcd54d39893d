#include "ops/instance_normalization.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferInstanceNormalization(const InferenceContext& ctx) {
  absl::StatusOr<InstanceNormalizationParams> params =
      InstanceNormalizationParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; InstanceNormalization takes fp32 or fp16");
  }
  if (x.rank() < 2) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected at least 2 dims (N, C, ...)");
  }
  const int64_t channels = x.dims[1];
  const char* names[] = {"input", "scale", "B"};
  for (int i = 1; i <= 2; ++i) {
    if (!ctx.has_input(i)) return ctx.Error("input ", i, " (", names[i], ") is missing");
    const TensorDesc& t = ctx.inputs[i];
    if (t.dtype != x.dtype) {
      return ctx.Error(names[i], " '", t.name, "' is ", DataTypeName(t.dtype), "; expected ",
                       DataTypeName(x.dtype), " like the input");
    }
    if (t.rank() != 1 || t.dims[0] != channels) {
      return ctx.Error(names[i], " '", t.name, "' has dims ", DimsString(t.dims), "; expected ",
                       channels, " values, one per channel of input dims ", DimsString(x.dims));
    }
  }
  return std::vector<TensorDesc>{TensorDesc{"", x.dtype, x.dims, TensorFormat::kLinear}};
}

OpSchema MakeInstanceNormalizationSchema() {
  OpSchema schema;
  schema.name = kInstanceNormalizationOp;
  schema.min_inputs = 3;
  schema.max_inputs = 3;
  schema.infer = InferInstanceNormalization;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeInstanceNormalizationSchema());

AttrMap InstanceNormalizationParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("epsilon", epsilon);
  return attrs;
}

absl::StatusOr<InstanceNormalizationParams> InstanceNormalizationParams::FromAttrs(
    const AttrMap& attrs) {
  InstanceNormalizationParams params;
  KILN_ASSIGN_OR_RETURN(params.epsilon, attrs.GetFloat("epsilon", 1e-5f));
  if (!(params.epsilon >= 0.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'epsilon' is ", params.epsilon, "; expected >= 0"));
  }
  return params;
}

absl::StatusOr<TensorId> AddInstanceNormalization(NetworkDefinition& network,
                                                  absl::string_view name, TensorId input,
                                                  const InstanceNormalizationParams& params,
                                                  Weights scale, Weights bias) {
  KILN_ASSIGN_OR_RETURN(TensorId scale_id,
                        network.AddConstant(absl::StrCat(name, ".scale"), std::move(scale)));
  KILN_ASSIGN_OR_RETURN(TensorId bias_id,
                        network.AddConstant(absl::StrCat(name, ".bias"), std::move(bias)));
  return network.AddLayer1(name, kInstanceNormalizationOp, {input, scale_id, bias_id},
                           params.ToAttrs());
}

}  // namespace kiln
