#include "ops/gather.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferGather(const InferenceContext& ctx) {
  absl::StatusOr<GatherParams> params = GatherParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  if (!ctx.has_input(0) || !ctx.has_input(1)) {
    return ctx.Error("inputs 0 (data) and 1 (indices) are both required");
  }
  const TensorDesc& data = ctx.inputs[0];
  const TensorDesc& indices = ctx.inputs[1];
  if (indices.dtype != DataType::kInt32 && indices.dtype != DataType::kInt64) {
    return ctx.Error("indices '", indices.name, "' are ", DataTypeName(indices.dtype),
                     "; expected int32 or int64");
  }
  const int64_t rank = data.rank();
  if (rank == 0) {
    return ctx.Error("data '", data.name, "' is a scalar; Gather needs data of rank >= 1");
  }
  int64_t axis = params->axis;
  if (axis < -rank || axis >= rank) {
    return ctx.Error("axis ", axis, " is out of range for data '", data.name, "' (",
                     DimsString(data.dims), ", rank ", rank, "); expected ", -rank, "..",
                     rank - 1);
  }
  if (axis < 0) axis += rank;
  TensorDesc out;
  out.dtype = data.dtype;
  out.dims.assign(data.dims.begin(), data.dims.begin() + axis);
  out.dims.insert(out.dims.end(), indices.dims.begin(), indices.dims.end());
  out.dims.insert(out.dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  return std::vector<TensorDesc>{out};
}

OpSchema MakeGatherSchema() {
  OpSchema schema;
  schema.name = kGatherOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferGather;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeGatherSchema());

AttrMap GatherParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  return attrs;
}

absl::StatusOr<GatherParams> GatherParams::FromAttrs(const AttrMap& attrs) {
  GatherParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", 0));
  return params;
}

absl::StatusOr<TensorId> AddGather(NetworkDefinition& network, absl::string_view name,
                                   TensorId data, TensorId indices, int axis) {
  return network.AddLayer1(name, kGatherOp, {data, indices}, GatherParams{axis}.ToAttrs());
}

}  // namespace kiln
