#include "ops/hardmax.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferHardmax(const InferenceContext& ctx) {
  absl::StatusOr<HardmaxParams> params = HardmaxParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (!IsFloatType(in.dtype)) {
    return ctx.Error("input '", in.name, "' is ", DataTypeName(in.dtype),
                     "; Hardmax takes fp32 or fp16");
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

OpSchema MakeHardmaxSchema() {
  OpSchema schema;
  schema.name = kHardmaxOp;
  schema.infer = InferHardmax;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeHardmaxSchema());

AttrMap HardmaxParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  return attrs;
}

absl::StatusOr<HardmaxParams> HardmaxParams::FromAttrs(const AttrMap& attrs) {
  HardmaxParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", -1));
  return params;
}

absl::StatusOr<TensorId> AddHardmax(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const HardmaxParams& params) {
  return network.AddLayer1(name, kHardmaxOp, {input}, params.ToAttrs());
}

}  // namespace kiln
