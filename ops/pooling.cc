#include "ops/pooling.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"
#include "ops/spatial.h"

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

absl::StatusOr<std::vector<TensorDesc>> InferPooling(const InferenceContext& ctx) {
  absl::StatusOr<PoolingParams> params = PoolingParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  const bool int_max = params->type == PoolingType::kMax &&
                       (x.dtype == DataType::kInt32 || x.dtype == DataType::kInt8);
  if (!IsFloatType(x.dtype) && !int_max) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; pooling takes fp32 or fp16 (max pooling also int32 and int8)");
  }
  if (x.rank() != 4) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected 4 dims (N, C, H, W)");
  }
  Dims out_dims = {x.dims[0], x.dims[1], 0, 0};
  for (int axis = 0; axis < 2; ++axis) {
    const int64_t in_size = x.dims[2 + axis];
    const int64_t pad_begin = params->pads[axis];
    const int64_t padded = in_size + pad_begin + params->pads[axis + 2];
    const int64_t kernel = (params->kernel[axis] - 1) * params->dilations[axis] + 1;
    const int64_t stride = params->strides[axis];
    if (in_size <= 0 || padded < kernel) {
      return ctx.Error("output ", axis == 0 ? "height" : "width",
                       " would be empty: padded input size ", padded, " < kernel size ", kernel,
                       " (input dims ", DimsString(x.dims), ")");
    }
    int64_t size = (padded - kernel) / stride + 1;
    if (params->ceil_mode) {
      size = (padded - kernel + stride - 1) / stride + 1;
      // A window must start inside the input or its leading padding.
      if ((size - 1) * stride >= in_size + pad_begin) --size;
    }
    out_dims[2 + axis] = size;
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = std::move(out_dims);
  out.format = TensorFormat::kLinear;
  return std::vector<TensorDesc>{out};
}

OpSchema MakePoolingSchema() {
  OpSchema schema;
  schema.name = kPoolingOp;
  schema.infer = InferPooling;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakePoolingSchema());

absl::string_view PoolingTypeName(PoolingType type) {
  switch (type) {
    case PoolingType::kMax: return "max";
    case PoolingType::kAverage: return "average";
  }
  return "unknown";
}

AttrMap PoolingParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("type", std::string(PoolingTypeName(type)));
  attrs.Set("kernel", std::vector<int64_t>(kernel.begin(), kernel.end()));
  attrs.Set("strides", std::vector<int64_t>(strides.begin(), strides.end()));
  attrs.Set("pads", std::vector<int64_t>(pads.begin(), pads.end()));
  // Written only when set, so undilated layers keep the attributes they had.
  if (dilations[0] != 1 || dilations[1] != 1) {
    attrs.Set("dilations", std::vector<int64_t>(dilations.begin(), dilations.end()));
  }
  attrs.Set("count_include_pad", count_include_pad);
  attrs.Set("ceil_mode", ceil_mode);
  return attrs;
}

absl::StatusOr<PoolingParams> PoolingParams::FromAttrs(const AttrMap& attrs) {
  PoolingParams params;
  KILN_ASSIGN_OR_RETURN(std::string type, attrs.GetString("type", "max"));
  if (type == "max") {
    params.type = PoolingType::kMax;
  } else if (type == "average") {
    params.type = PoolingType::kAverage;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown pooling type '", type, "'; expected max or average"));
  }
  if (!attrs.Has("kernel")) {
    return absl::InvalidArgumentError("attribute 'kernel' is missing; expected [kh, kw]");
  }
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "kernel", 1, params.kernel));
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "strides", 1, params.strides));
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "dilations", 1, params.dilations));
  KILN_RETURN_IF_ERROR(ReadPads(attrs, params.pads));
  KILN_ASSIGN_OR_RETURN(params.count_include_pad, ReadBool(attrs, "count_include_pad"));
  KILN_ASSIGN_OR_RETURN(params.ceil_mode, ReadBool(attrs, "ceil_mode"));
  // A pad as large as the (dilated) kernel would make windows of padding
  // only: max pooling would have nothing to take the maximum of.
  for (int i = 0; i < 4; ++i) {
    const int64_t extent = (params.kernel[i % 2] - 1) * params.dilations[i % 2] + 1;
    if (params.pads[i] >= extent) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'pads' is [", absl::StrJoin(params.pads, ","),
          "]; each pad must be smaller than the kernel [", absl::StrJoin(params.kernel, ","),
          "] (dilated extent ", extent, ") along its axis"));
    }
  }
  return params;
}

absl::StatusOr<TensorId> AddPooling(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const PoolingParams& params) {
  return network.AddLayer1(name, kPoolingOp, {input}, params.ToAttrs());
}

}  // namespace kiln
