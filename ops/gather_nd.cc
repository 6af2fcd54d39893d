#include "ops/gather_nd.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferGatherND(const InferenceContext& ctx) {
  absl::StatusOr<GatherNDParams> params = GatherNDParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& data = ctx.inputs[0];
  const TensorDesc& indices = ctx.inputs[1];
  if (indices.dtype != DataType::kInt32 && indices.dtype != DataType::kInt64) {
    return ctx.Error("indices '", indices.name, "' are ", DataTypeName(indices.dtype),
                     "; expected int32 or int64");
  }
  const int64_t r = data.rank(), q = indices.rank(), b = params->batch_dims;
  if (q < 1) return ctx.Error("indices '", indices.name, "' must have rank >= 1; they are a scalar");
  if (b < 0 || b >= std::min(r, q)) {
    return ctx.Error("batch_dims ", b, " is out of range for data ", DimsString(data.dims),
                     " and indices ", DimsString(indices.dims), "; expected 0..",
                     std::min(r, q) - 1);
  }
  for (int64_t d = 0; d < b; ++d) {
    if (data.dims[d] != indices.dims[d]) {
      return ctx.Error("batch dim ", d, " of data '", data.name, "' ", DimsString(data.dims),
                       " and indices '", indices.name, "' ", DimsString(indices.dims),
                       " differ; the first ", b, " dims must match");
    }
  }
  const int64_t k = indices.dims[q - 1];
  if (k < 1 || k > r - b) {
    return ctx.Error("indices '", indices.name, "' ", DimsString(indices.dims),
                     " have last dim ", k, "; expected 1..", r - b,
                     " (data rank ", r, " minus batch_dims ", b, ")");
  }
  TensorDesc out;
  out.dtype = data.dtype;
  out.dims.assign(indices.dims.begin(), indices.dims.end() - 1);
  out.dims.insert(out.dims.end(), data.dims.begin() + b + k, data.dims.end());
  return std::vector<TensorDesc>{out};
}

OpSchema MakeGatherNDSchema() {
  OpSchema schema;
  schema.name = kGatherNDOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferGatherND;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeGatherNDSchema());

AttrMap GatherNDParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("batch_dims", batch_dims);
  return attrs;
}

absl::StatusOr<GatherNDParams> GatherNDParams::FromAttrs(const AttrMap& attrs) {
  GatherNDParams params;
  KILN_ASSIGN_OR_RETURN(params.batch_dims, attrs.GetInt("batch_dims", 0));
  if (params.batch_dims < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_dims is ", params.batch_dims, "; it must be >= 0"));
  }
  return params;
}

absl::StatusOr<TensorId> AddGatherND(NetworkDefinition& network, absl::string_view name,
                                     TensorId data, TensorId indices, const GatherNDParams& params) {
  return network.AddLayer1(name, kGatherNDOp, {data, indices}, params.ToAttrs());
}

}  // namespace kiln
