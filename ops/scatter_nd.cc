#include "ops/scatter_nd.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferScatterND(const InferenceContext& ctx) {
  absl::StatusOr<ScatterNDParams> params = ScatterNDParams::FromAttrs(ctx.attrs);
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
  if (params->reduction != "none" && data.dtype == DataType::kBool) {
    return ctx.Error("reduction '", params->reduction, "' needs numbers; data '", data.name,
                     "' is bool");
  }
  const int64_t r = data.rank(), q = indices.rank();
  if (q < 1) return ctx.Error("indices '", indices.name, "' must have rank >= 1; they are a scalar");
  const int64_t k = indices.dims[q - 1];
  if (k < 1 || k > r) {
    return ctx.Error("indices '", indices.name, "' ", DimsString(indices.dims),
                     " have last dim ", k, "; expected 1..", r, " (data rank)");
  }
  Dims expected(indices.dims.begin(), indices.dims.end() - 1);
  expected.insert(expected.end(), data.dims.begin() + k, data.dims.end());
  if (updates.dims != expected) {
    return ctx.Error("updates '", updates.name, "' are ", DimsString(updates.dims), "; expected ",
                     DimsString(expected), " (indices ", DimsString(indices.dims),
                     " without the last dim, then data ", DimsString(data.dims), " after dim ",
                     k - 1, ")");
  }
  TensorDesc out;
  out.dtype = data.dtype;
  out.dims = data.dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeScatterNDSchema() {
  OpSchema schema;
  schema.name = kScatterNDOp;
  schema.min_inputs = 3;
  schema.max_inputs = 3;
  schema.infer = InferScatterND;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeScatterNDSchema());

AttrMap ScatterNDParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("reduction", reduction);
  return attrs;
}

absl::StatusOr<ScatterNDParams> ScatterNDParams::FromAttrs(const AttrMap& attrs) {
  ScatterNDParams params;
  KILN_ASSIGN_OR_RETURN(params.reduction, attrs.GetString("reduction", "none"));
  const std::string& r = params.reduction;
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown reduction '", r, "'; expected none, add, mul, max or min"));
  }
  return params;
}

absl::StatusOr<TensorId> AddScatterND(NetworkDefinition& network, absl::string_view name,
                                      TensorId data, TensorId indices, TensorId updates,
                                      const ScatterNDParams& params) {
  return network.AddLayer1(name, kScatterNDOp, {data, indices, updates}, params.ToAttrs());
}

}  // namespace kiln
