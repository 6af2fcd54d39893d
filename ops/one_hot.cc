#include "ops/one_hot.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferOneHot(const InferenceContext& ctx) {
  absl::StatusOr<OneHotParams> params = OneHotParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (in.dtype != DataType::kInt32 && in.dtype != DataType::kInt64 &&
      in.dtype != DataType::kFloat32) {
    return ctx.Error("indices '", in.name, "' are ", DataTypeName(in.dtype),
                     "; OneHot takes int32, int64 or fp32 indices");
  }
  const int64_t out_rank = in.rank() + 1;
  if (params->axis < -out_rank || params->axis >= out_rank) {
    return ctx.Error("axis ", params->axis, " is out of range for an output of rank ", out_rank,
                     " (indices ", DimsString(in.dims), "); expected ", -out_rank, "..",
                     out_rank - 1);
  }
  const int64_t axis = params->axis < 0 ? params->axis + out_rank : params->axis;
  TensorDesc out;
  out.dtype = params->dtype;
  out.dims = in.dims;
  out.dims.insert(out.dims.begin() + axis, params->depth);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeOneHotSchema() {
  OpSchema schema;
  schema.name = kOneHotOp;
  schema.infer = InferOneHot;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeOneHotSchema());

AttrMap OneHotParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("depth", depth);
  attrs.Set("axis", axis);
  attrs.Set("values", values);
  attrs.Set("dtype", std::string(DataTypeName(dtype)));
  return attrs;
}

absl::StatusOr<OneHotParams> OneHotParams::FromAttrs(const AttrMap& attrs) {
  OneHotParams params;
  KILN_ASSIGN_OR_RETURN(params.depth, attrs.GetInt("depth", 1));
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", -1));
  KILN_ASSIGN_OR_RETURN(params.values, attrs.GetFloats("values", {0.0f, 1.0f}));
  KILN_ASSIGN_OR_RETURN(std::string dtype, attrs.GetString("dtype", "fp32"));
  KILN_ASSIGN_OR_RETURN(params.dtype, ParseDataType(dtype));
  if (params.depth < 1) {
    return absl::InvalidArgumentError(absl::StrCat("depth ", params.depth, " must be at least 1"));
  }
  if (params.values.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("values has ", params.values.size(), " entries; expected 2: {off, on}"));
  }
  return params;
}

absl::StatusOr<TensorId> AddOneHot(NetworkDefinition& network, absl::string_view name,
                                   TensorId indices, const OneHotParams& params) {
  return network.AddLayer1(name, kOneHotOp, {indices}, params.ToAttrs());
}

}  // namespace kiln
