#include "ops/lp_normalization.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferLpNormalization(const InferenceContext& ctx) {
  absl::StatusOr<LpNormalizationParams> params = LpNormalizationParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; LpNormalization takes fp32 or fp16");
  }
  const int64_t rank = x.rank();
  if (params->axis < -rank || params->axis >= rank) {
    return ctx.Error("axis ", params->axis, " is out of range for input '", x.name, "' of dims ",
                     DimsString(x.dims), "; expected -", rank, " <= axis < ", rank);
  }
  return std::vector<TensorDesc>{TensorDesc{"", x.dtype, x.dims, TensorFormat::kLinear}};
}

OpSchema MakeLpNormalizationSchema() {
  OpSchema schema;
  schema.name = kLpNormalizationOp;
  schema.infer = InferLpNormalization;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeLpNormalizationSchema());

AttrMap LpNormalizationParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  attrs.Set("p", p);
  return attrs;
}

absl::StatusOr<LpNormalizationParams> LpNormalizationParams::FromAttrs(const AttrMap& attrs) {
  LpNormalizationParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", -1));
  KILN_ASSIGN_OR_RETURN(params.p, attrs.GetInt("p", 2));
  if (params.p != 1 && params.p != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'p' is ", params.p, "; expected 1 or 2"));
  }
  return params;
}

absl::StatusOr<TensorId> AddLpNormalization(NetworkDefinition& network, absl::string_view name,
                                            TensorId input, const LpNormalizationParams& params) {
  return network.AddLayer1(name, kLpNormalizationOp, {input}, params.ToAttrs());
}

}  // namespace kiln
