#include "ops/pooling_nd.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<bool> ReadBool(const AttrMap& attrs, absl::string_view name) {
  KILN_ASSIGN_OR_RETURN(int64_t value, attrs.GetInt(name, 0));
  if (value != 0 && value != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", name, "' is ", value, "; expected 0 or 1"));
  }
  return value == 1;
}

// Reads list attribute `name` of `count` values each >= min_value, or
// `count` copies of `fallback` when absent.
absl::StatusOr<std::vector<int64_t>> ReadList(const AttrMap& attrs, absl::string_view name,
                                              size_t count, int64_t fallback, int64_t min_value) {
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> v,
                        attrs.GetInts(name, std::vector<int64_t>(count, fallback)));
  if (v.size() != count) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has ", v.size(),
                                                   " values; expected ", count));
  }
  for (int64_t x : v) {
    if (x < min_value) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' is [",
                                                     absl::StrJoin(v, ","), "]; each value must be >= ",
                                                     min_value));
    }
  }
  return v;
}

absl::StatusOr<std::vector<TensorDesc>> InferPoolingNd(const InferenceContext& ctx,
                                                       bool with_indices) {
  absl::StatusOr<PoolingNdParams> params = PoolingNdParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (with_indices ? x.dtype != DataType::kFloat32 : !IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     with_indices ? "; MaxPoolWithIndices takes fp32" : "; PoolingNd takes fp32 or fp16");
  }
  if (with_indices && params->average) {
    return ctx.Error("type is average; MaxPoolWithIndices is max pooling only");
  }
  const size_t k = params->kernel.size();
  if (x.rank() != static_cast<int64_t>(k) + 2) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims), "; the kernel has ", k,
                     " spatial dims, so expected ", k + 2, " dims (N, C, spatial...)");
  }
  Dims out_dims = {x.dims[0], x.dims[1]};
  for (size_t axis = 0; axis < k; ++axis) {
    const int64_t in_size = x.dims[2 + axis];
    const int64_t pad_begin = params->pads[axis];
    const int64_t padded = in_size + pad_begin + params->pads[axis + k];
    const int64_t kernel = (params->kernel[axis] - 1) * params->dilations[axis] + 1;
    const int64_t stride = params->strides[axis];
    if (in_size <= 0 || padded < kernel) {
      return ctx.Error("spatial axis ", axis, " would be empty: padded input size ", padded,
                       " < kernel size ", kernel, " (input dims ", DimsString(x.dims), ")");
    }
    int64_t size = (padded - kernel) / stride + 1;
    if (params->ceil_mode) {
      size = (padded - kernel + stride - 1) / stride + 1;
      if ((size - 1) * stride >= in_size + pad_begin) --size;
    }
    out_dims.push_back(size);
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = out_dims;
  std::vector<TensorDesc> outs = {out};
  if (with_indices) {
    TensorDesc indices;
    indices.dtype = DataType::kInt64;
    indices.dims = std::move(out_dims);
    outs.push_back(indices);
  }
  return outs;
}

OpSchema MakeSchema(const char* name, bool with_indices) {
  OpSchema schema;
  schema.name = name;
  schema.num_outputs = with_indices ? 2 : 1;
  schema.infer = [with_indices](const InferenceContext& ctx) {
    return InferPoolingNd(ctx, with_indices);
  };
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeSchema(kPoolingNdOp, false));
KILN_REGISTER_OP(MakeSchema(kMaxPoolWithIndicesOp, true));

AttrMap PoolingNdParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("type", std::string(average ? "average" : "max"));
  attrs.Set("kernel", kernel);
  if (!strides.empty()) attrs.Set("strides", strides);
  if (!dilations.empty()) attrs.Set("dilations", dilations);
  if (!pads.empty()) attrs.Set("pads", pads);
  attrs.Set("count_include_pad", count_include_pad);
  attrs.Set("ceil_mode", ceil_mode);
  attrs.Set("storage_order", static_cast<int64_t>(column_major_indices ? 1 : 0));
  return attrs;
}

absl::StatusOr<PoolingNdParams> PoolingNdParams::FromAttrs(const AttrMap& attrs) {
  PoolingNdParams params;
  KILN_ASSIGN_OR_RETURN(std::string type, attrs.GetString("type", "max"));
  if (type != "max" && type != "average") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown pooling type '", type, "'; expected max or average"));
  }
  params.average = type == "average";
  if (!attrs.Has("kernel")) {
    return absl::InvalidArgumentError("attribute 'kernel' is missing; expected one size per spatial dim");
  }
  KILN_ASSIGN_OR_RETURN(params.kernel, attrs.GetInts("kernel", {}));
  const size_t k = params.kernel.size();
  if (k == 0) return absl::InvalidArgumentError("attribute 'kernel' is empty");
  KILN_ASSIGN_OR_RETURN(params.kernel, ReadList(attrs, "kernel", k, 1, 1));
  KILN_ASSIGN_OR_RETURN(params.strides, ReadList(attrs, "strides", k, 1, 1));
  KILN_ASSIGN_OR_RETURN(params.dilations, ReadList(attrs, "dilations", k, 1, 1));
  KILN_ASSIGN_OR_RETURN(params.pads, ReadList(attrs, "pads", 2 * k, 0, 0));
  KILN_ASSIGN_OR_RETURN(params.count_include_pad, ReadBool(attrs, "count_include_pad"));
  KILN_ASSIGN_OR_RETURN(params.ceil_mode, ReadBool(attrs, "ceil_mode"));
  KILN_ASSIGN_OR_RETURN(params.column_major_indices, ReadBool(attrs, "storage_order"));
  for (size_t i = 0; i < 2 * k; ++i) {
    const int64_t extent = (params.kernel[i % k] - 1) * params.dilations[i % k] + 1;
    if (params.pads[i] >= extent) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'pads' is [", absl::StrJoin(params.pads, ","),
          "]; each pad must be smaller than the kernel [", absl::StrJoin(params.kernel, ","),
          "] (dilated extent ", extent, ") along its axis"));
    }
  }
  return params;
}

absl::StatusOr<TensorId> AddPoolingNd(NetworkDefinition& network, absl::string_view name,
                                      TensorId input, const PoolingNdParams& params) {
  return network.AddLayer1(name, kPoolingNdOp, {input}, params.ToAttrs());
}

absl::StatusOr<std::vector<TensorId>> AddMaxPoolWithIndices(NetworkDefinition& network,
                                                            absl::string_view name, TensorId input,
                                                            const PoolingNdParams& params) {
  return network.AddLayer(name, kMaxPoolWithIndicesOp, {input}, params.ToAttrs());
}

}  // namespace kiln
