#include "ops/cum_sum.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferCumSum(const InferenceContext& ctx) {
  absl::StatusOr<CumSumParams> params = CumSumParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (!IsFloatType(in.dtype) && in.dtype != DataType::kInt32 && in.dtype != DataType::kInt64) {
    return ctx.Error("input '", in.name, "' is ", DataTypeName(in.dtype),
                     "; CumSum takes fp32, fp16, int32 or int64");
  }
  const int64_t rank = in.rank();
  if (params->axis < -rank || params->axis >= rank) {
    return ctx.Error("axis ", params->axis, " is out of range for input '", in.name, "' of rank ",
                     rank, " (", DimsString(in.dims), "); expected ", -rank, "..", rank - 1);
  }
  TensorDesc out;
  out.dtype = in.dtype;
  out.dims = in.dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeCumSumSchema() {
  OpSchema schema;
  schema.name = kCumSumOp;
  schema.infer = InferCumSum;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeCumSumSchema());

AttrMap CumSumParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  attrs.Set("exclusive", exclusive);
  attrs.Set("reverse", reverse);
  return attrs;
}

absl::StatusOr<CumSumParams> CumSumParams::FromAttrs(const AttrMap& attrs) {
  CumSumParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", 0));
  KILN_ASSIGN_OR_RETURN(int64_t exclusive, attrs.GetInt("exclusive", 0));
  KILN_ASSIGN_OR_RETURN(int64_t reverse, attrs.GetInt("reverse", 0));
  if ((exclusive != 0 && exclusive != 1) || (reverse != 0 && reverse != 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("exclusive (", exclusive, ") and reverse (", reverse, ") must be 0 or 1"));
  }
  params.exclusive = exclusive == 1;
  params.reverse = reverse == 1;
  return params;
}

absl::StatusOr<TensorId> AddCumSum(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const CumSumParams& params) {
  return network.AddLayer1(name, kCumSumOp, {input}, params.ToAttrs());
}

}  // namespace kiln
