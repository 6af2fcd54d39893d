#include "ops/gather_elements.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferGatherElements(const InferenceContext& ctx) {
  absl::StatusOr<GatherElementsParams> params = GatherElementsParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& data = ctx.inputs[0];
  const TensorDesc& indices = ctx.inputs[1];
  if (indices.dtype != DataType::kInt32 && indices.dtype != DataType::kInt64) {
    return ctx.Error("indices '", indices.name, "' are ", DataTypeName(indices.dtype),
                     "; expected int32 or int64");
  }
  const int64_t rank = data.rank();
  if (indices.rank() != rank) {
    return ctx.Error("indices '", indices.name, "' have rank ", indices.rank(), " (",
                     DimsString(indices.dims), ") but data '", data.name, "' has rank ", rank, " (",
                     DimsString(data.dims), "); they must match");
  }
  if (params->axis < -rank || params->axis >= rank) {
    return ctx.Error("axis ", params->axis, " is out of range for data '", data.name, "' of rank ",
                     rank, "; expected ", -rank, "..", rank - 1);
  }
  const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis && indices.dims[d] > data.dims[d]) {
      return ctx.Error("dim ", d, " of indices '", indices.name, "' (", DimsString(indices.dims),
                       ") is larger than data's (", DimsString(data.dims),
                       "); off the axis, indices may not exceed data");
    }
  }
  TensorDesc out;
  out.dtype = data.dtype;
  out.dims = indices.dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeGatherElementsSchema() {
  OpSchema schema;
  schema.name = kGatherElementsOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferGatherElements;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeGatherElementsSchema());

AttrMap GatherElementsParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  return attrs;
}

absl::StatusOr<GatherElementsParams> GatherElementsParams::FromAttrs(const AttrMap& attrs) {
  GatherElementsParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", 0));
  return params;
}

absl::StatusOr<TensorId> AddGatherElements(NetworkDefinition& network, absl::string_view name,
                                           TensorId data, TensorId indices,
                                           const GatherElementsParams& params) {
  return network.AddLayer1(name, kGatherElementsOp, {data, indices}, params.ToAttrs());
}

}  // namespace kiln
