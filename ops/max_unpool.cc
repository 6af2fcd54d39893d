#include "ops/max_unpool.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferMaxUnpool(const InferenceContext& ctx) {
  absl::StatusOr<MaxUnpoolParams> params = MaxUnpoolParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!ctx.has_input(1)) return ctx.Error("input 1 (I, the indices) is missing");
  const TensorDesc& indices = ctx.inputs[1];
  if (indices.dtype != DataType::kInt64) {
    return ctx.Error("indices '", indices.name, "' are ", DataTypeName(indices.dtype),
                     "; expected int64");
  }
  if (indices.dims != x.dims) {
    return ctx.Error("indices '", indices.name, "' have dims ", DimsString(indices.dims),
                     "; expected the input's dims ", DimsString(x.dims));
  }
  absl::StatusOr<std::vector<int64_t>> spatial = MaxUnpoolInferredSpatial(*params, x.dims);
  if (!spatial.ok()) {
    return ctx.Error(spatial.status().message(), " (input '", x.name, "' dims ",
                     DimsString(x.dims), ")");
  }
  TensorDesc out{"", x.dtype, {x.dims[0], x.dims[1]}, TensorFormat::kLinear};
  const std::vector<int64_t>& shape = params->output_shape;
  if (shape.empty()) {
    for (int64_t size : *spatial) out.dims.push_back(size);
    return std::vector<TensorDesc>{out};
  }
  if (static_cast<int64_t>(shape.size()) != x.rank() || shape[1] != x.dims[1]) {
    return ctx.Error("output_shape [", absl::StrJoin(shape, ","), "] does not fit input dims ",
                     DimsString(x.dims), "; expected ", x.rank(), " dims with ", x.dims[1],
                     " channels");
  }
  for (size_t i = 0; i < spatial->size(); ++i) {
    if (shape[2 + i] < (*spatial)[i]) {
      return ctx.Error("output_shape [", absl::StrJoin(shape, ","), "] is smaller than the "
                       "unpooled size ", (*spatial)[i], " along spatial dim ", i);
    }
    out.dims.push_back(shape[2 + i]);
  }
  return std::vector<TensorDesc>{out};
}

OpSchema MakeMaxUnpoolSchema() {
  OpSchema schema;
  schema.name = kMaxUnpoolOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferMaxUnpool;
  return schema;
}

absl::Status CheckList(absl::string_view name, const std::vector<int64_t>& values,
                       size_t expected, int64_t min_value) {
  if (values.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has ", values.size(),
                                                   " values; expected ", expected));
  }
  for (int64_t v : values) {
    if (v < min_value) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' is [",
                                                     absl::StrJoin(values, ","),
                                                     "]; each must be >= ", min_value));
    }
  }
  return absl::OkStatus();
}

}  // namespace

KILN_REGISTER_OP(MakeMaxUnpoolSchema());

absl::StatusOr<std::vector<int64_t>> MaxUnpoolInferredSpatial(const MaxUnpoolParams& params,
                                                              const Dims& x_dims) {
  const size_t k = params.kernel_shape.size();
  if (x_dims.size() != k + 2) {
    return absl::InvalidArgumentError(absl::StrCat("kernel_shape has ", k,
                                                   " dims, so the input needs ", k + 2,
                                                   " dims (N, C and one per kernel dim)"));
  }
  const std::vector<int64_t> strides =
      params.strides.empty() ? std::vector<int64_t>(k, 1) : params.strides;
  const std::vector<int64_t> pads =
      params.pads.empty() ? std::vector<int64_t>(2 * k, 0) : params.pads;
  KILN_RETURN_IF_ERROR(CheckList("strides", strides, k, 1));
  KILN_RETURN_IF_ERROR(CheckList("pads", pads, 2 * k, 0));
  std::vector<int64_t> spatial(k);
  for (size_t i = 0; i < k; ++i) {
    spatial[i] = (x_dims[2 + i] - 1) * strides[i] - pads[i] - pads[k + i] + params.kernel_shape[i];
    if (spatial[i] <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unpooled spatial dim ", i, " would be ", spatial[i], "; the pads are too large"));
    }
  }
  return spatial;
}

AttrMap MaxUnpoolParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("kernel_shape", kernel_shape);
  if (!strides.empty()) attrs.Set("strides", strides);
  if (!pads.empty()) attrs.Set("pads", pads);
  if (!output_shape.empty()) attrs.Set("output_shape", output_shape);
  return attrs;
}

absl::StatusOr<MaxUnpoolParams> MaxUnpoolParams::FromAttrs(const AttrMap& attrs) {
  MaxUnpoolParams params;
  if (!attrs.Has("kernel_shape")) {
    return absl::InvalidArgumentError("attribute 'kernel_shape' is missing; it is required");
  }
  KILN_ASSIGN_OR_RETURN(params.kernel_shape, attrs.GetInts("kernel_shape", {}));
  KILN_ASSIGN_OR_RETURN(params.strides, attrs.GetInts("strides", {}));
  KILN_ASSIGN_OR_RETURN(params.pads, attrs.GetInts("pads", {}));
  KILN_ASSIGN_OR_RETURN(params.output_shape, attrs.GetInts("output_shape", {}));
  if (params.kernel_shape.empty()) {
    return absl::InvalidArgumentError(
        "attribute 'kernel_shape' is empty; expected one size per spatial dim");
  }
  KILN_RETURN_IF_ERROR(
      CheckList("kernel_shape", params.kernel_shape, params.kernel_shape.size(), 1));
  return params;
}

absl::StatusOr<TensorId> AddMaxUnpool(NetworkDefinition& network, absl::string_view name,
                                      TensorId input, TensorId indices,
                                      const MaxUnpoolParams& params) {
  return network.AddLayer1(name, kMaxUnpoolOp, {input, indices}, params.ToAttrs());
}

}  // namespace kiln
