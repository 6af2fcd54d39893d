#include "ops/mean_variance_normalization.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferMeanVarianceNormalization(
    const InferenceContext& ctx) {
  absl::StatusOr<MeanVarianceNormalizationParams> params =
      MeanVarianceNormalizationParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; MeanVarianceNormalization takes fp32 or fp16");
  }
  const int64_t rank = x.rank();
  std::vector<bool> seen(rank, false);
  for (int64_t axis : params->axes) {
    if (axis < -rank || axis >= rank) {
      return ctx.Error("axes [", absl::StrJoin(params->axes, ","), "] has ", axis,
                       ", out of range for input '", x.name, "' of dims ", DimsString(x.dims));
    }
    const int64_t a = axis < 0 ? axis + rank : axis;
    if (seen[a]) {
      return ctx.Error("axes [", absl::StrJoin(params->axes, ","), "] names axis ", a, " twice");
    }
    seen[a] = true;
  }
  return std::vector<TensorDesc>{TensorDesc{"", x.dtype, x.dims, TensorFormat::kLinear}};
}

OpSchema MakeMeanVarianceNormalizationSchema() {
  OpSchema schema;
  schema.name = kMeanVarianceNormalizationOp;
  schema.infer = InferMeanVarianceNormalization;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeMeanVarianceNormalizationSchema());

AttrMap MeanVarianceNormalizationParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axes", axes);
  return attrs;
}

absl::StatusOr<MeanVarianceNormalizationParams> MeanVarianceNormalizationParams::FromAttrs(
    const AttrMap& attrs) {
  MeanVarianceNormalizationParams params;
  KILN_ASSIGN_OR_RETURN(params.axes, attrs.GetInts("axes", {0, 2, 3}));
  if (params.axes.empty()) {
    return absl::InvalidArgumentError("attribute 'axes' is empty; expected the axes to normalize");
  }
  return params;
}

absl::StatusOr<TensorId> AddMeanVarianceNormalization(
    NetworkDefinition& network, absl::string_view name, TensorId input,
    const MeanVarianceNormalizationParams& params) {
  return network.AddLayer1(name, kMeanVarianceNormalizationOp, {input}, params.ToAttrs());
}

}  // namespace kiln
