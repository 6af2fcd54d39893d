#include "ops/scatter_elements.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

constexpr ScatterReduction kAllReductions[] = {ScatterReduction::kNone, ScatterReduction::kAdd,
                                               ScatterReduction::kMul, ScatterReduction::kMax,
                                               ScatterReduction::kMin};

absl::StatusOr<std::vector<TensorDesc>> InferScatterElements(const InferenceContext& ctx) {
  absl::StatusOr<ScatterElementsParams> params = ScatterElementsParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& data = ctx.inputs[0];
  const TensorDesc& indices = ctx.inputs[1];
  const TensorDesc& updates = ctx.inputs[2];
  if (indices.dtype != DataType::kInt32 && indices.dtype != DataType::kInt64) {
    return ctx.Error("indices '", indices.name, "' are ", DataTypeName(indices.dtype),
                     "; expected int32 or int64");
  }
  if (updates.dtype != data.dtype) {
    return ctx.Error("updates '", updates.name, "' are ", DataTypeName(updates.dtype),
                     " but data '", data.name, "' is ", DataTypeName(data.dtype),
                     "; they must have the same type");
  }
  if (params->reduction != ScatterReduction::kNone && data.dtype == DataType::kBool) {
    return ctx.Error("reduction '", ScatterReductionName(params->reduction),
                     "' needs numbers; data '", data.name, "' is bool");
  }
  if (updates.dims != indices.dims) {
    return ctx.Error("updates '", updates.name, "' (", DimsString(updates.dims), ") and indices '",
                     indices.name, "' (", DimsString(indices.dims), ") must have the same dims");
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
  out.dims = data.dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeScatterElementsSchema() {
  OpSchema schema;
  schema.name = kScatterElementsOp;
  schema.min_inputs = 3;
  schema.max_inputs = 3;
  schema.infer = InferScatterElements;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeScatterElementsSchema());

absl::string_view ScatterReductionName(ScatterReduction r) {
  switch (r) {
    case ScatterReduction::kNone: return "none";
    case ScatterReduction::kAdd: return "add";
    case ScatterReduction::kMul: return "mul";
    case ScatterReduction::kMax: return "max";
    case ScatterReduction::kMin: return "min";
  }
  return "unknown";
}

AttrMap ScatterElementsParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  attrs.Set("reduction", std::string(ScatterReductionName(reduction)));
  return attrs;
}

absl::StatusOr<ScatterElementsParams> ScatterElementsParams::FromAttrs(const AttrMap& attrs) {
  ScatterElementsParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", 0));
  KILN_ASSIGN_OR_RETURN(std::string reduction, attrs.GetString("reduction", "none"));
  for (ScatterReduction r : kAllReductions) {
    if (ScatterReductionName(r) == reduction) {
      params.reduction = r;
      return params;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown reduction '", reduction, "'; expected none, add, mul, max or min"));
}

absl::StatusOr<TensorId> AddScatterElements(NetworkDefinition& network, absl::string_view name,
                                            TensorId data, TensorId indices, TensorId updates,
                                            const ScatterElementsParams& params) {
  return network.AddLayer1(name, kScatterElementsOp, {data, indices, updates}, params.ToAttrs());
}

}  // namespace kiln
