#include "ops/conv_integer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"
#include "ops/spatial.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferConvInteger(const InferenceContext& ctx) {
  absl::StatusOr<ConvIntegerParams> params = ConvIntegerParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  const TensorDesc& w = ctx.inputs[1];
  for (const TensorDesc* t : {&x, &w}) {
    if (t->dtype != DataType::kInt32) {
      return ctx.Error("input '", t->name, "' is ", DataTypeName(t->dtype),
                       "; ConvInteger takes int32 (cast uint8/int8 first)");
    }
    if (t->rank() != 4) {
      return ctx.Error("input '", t->name, "' has dims ", DimsString(t->dims),
                       "; expected 4 dims (N, C, H, W) / (M, C/group, KH, KW)");
    }
  }
  const int64_t group = params->group;
  const int64_t channels = x.dims[1], out_channels = w.dims[0];
  if (out_channels % group != 0) {
    return ctx.Error("weight has ", out_channels, " output channels (kernel dims ",
                     DimsString(w.dims), "), which group=", group, " does not divide");
  }
  if (w.dims[1] * group != channels) {
    return ctx.Error("input has ", channels, " channels, weights expect ", w.dims[1] * group,
                     " (kernel dims ", DimsString(w.dims), ", group=", group, ")");
  }
  if (out_channels <= 0 || w.dims[1] <= 0 || w.dims[2] <= 0 || w.dims[3] <= 0) {
    return ctx.Error("weight dims ", DimsString(w.dims), " must all be positive");
  }
  Dims out_dims = {x.dims[0], out_channels, 0, 0};
  for (int axis = 0; axis < 2; ++axis) {
    const int64_t padded = x.dims[2 + axis] + params->pads[axis] + params->pads[axis + 2];
    const int64_t kernel_extent = params->dilations[axis] * (w.dims[2 + axis] - 1) + 1;
    if (padded < kernel_extent) {
      return ctx.Error("output ", axis == 0 ? "height" : "width",
                       " would be empty: padded input size ", padded, " < dilated kernel size ",
                       kernel_extent, " (input dims ", DimsString(x.dims), ", kernel dims ",
                       DimsString(w.dims), ")");
    }
    out_dims[2 + axis] = (padded - kernel_extent) / params->strides[axis] + 1;
  }
  TensorDesc out;
  out.dtype = DataType::kInt32;
  out.dims = std::move(out_dims);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeConvIntegerSchema() {
  OpSchema schema;
  schema.name = kConvIntegerOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferConvInteger;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeConvIntegerSchema());

AttrMap ConvIntegerParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("strides", std::vector<int64_t>(strides.begin(), strides.end()));
  attrs.Set("pads", std::vector<int64_t>(pads.begin(), pads.end()));
  attrs.Set("dilations", std::vector<int64_t>(dilations.begin(), dilations.end()));
  attrs.Set("group", group);
  return attrs;
}

absl::StatusOr<ConvIntegerParams> ConvIntegerParams::FromAttrs(const AttrMap& attrs) {
  ConvIntegerParams params;
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "strides", 1, params.strides));
  KILN_RETURN_IF_ERROR(ReadPads(attrs, params.pads));
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "dilations", 1, params.dilations));
  KILN_ASSIGN_OR_RETURN(params.group, ReadGroup(attrs));
  return params;
}

absl::StatusOr<TensorId> AddConvInteger(NetworkDefinition& network, absl::string_view name,
                                        TensorId x, TensorId w, const ConvIntegerParams& params) {
  return network.AddLayer1(name, kConvIntegerOp, {x, w}, params.ToAttrs());
}

}  // namespace kiln
