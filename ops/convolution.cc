#include "ops/convolution.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"
#include "ops/spatial.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferConvolution(const InferenceContext& ctx) {
  absl::StatusOr<ConvolutionParams> params = ConvolutionParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!ctx.has_input(1)) return ctx.Error("the weight input (input 1) is missing");
  const TensorDesc& w = ctx.inputs[1];

  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; convolution takes fp32 or fp16");
  }
  if (!IsFloatType(w.dtype)) {
    return ctx.Error("weight '", w.name, "' is ", DataTypeName(w.dtype),
                     "; convolution takes fp32 or fp16 weights");
  }
  if (x.rank() != 4) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected 4 dims (N, C, H, W)");
  }
  if (w.rank() != 4) {
    return ctx.Error("weight '", w.name, "' has dims ", DimsString(w.dims),
                     "; expected 4 dims (K, C/group, R, S)");
  }
  const int64_t group = params->group;
  const int64_t channels = x.dims[1];
  const int64_t out_channels = w.dims[0];
  if (channels % group != 0) {
    return ctx.Error("input has ", channels, " channels, which group=", group, " does not divide");
  }
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
  if (ctx.has_input(2)) {
    const TensorDesc& b = ctx.inputs[2];
    if (!IsFloatType(b.dtype)) {
      return ctx.Error("bias '", b.name, "' is ", DataTypeName(b.dtype),
                       "; convolution takes fp32 or fp16 bias");
    }
    if (b.rank() != 1 || b.dims[0] != out_channels) {
      return ctx.Error("bias '", b.name, "' has dims ", DimsString(b.dims), "; expected ",
                       out_channels, " (one per output channel)");
    }
  }

  if (ctx.has_input(3)) {
    const TensorDesc& r = ctx.inputs[3];
    if (r.dtype != x.dtype) {
      return ctx.Error("residual '", r.name, "' is ", DataTypeName(r.dtype), "; the input is ",
                       DataTypeName(x.dtype), " and the residual must match it");
    }
  }

  Dims out_dims = {x.dims[0], out_channels, 0, 0};
  for (int axis = 0; axis < 2; ++axis) {
    const int64_t in_size = x.dims[2 + axis];
    const int64_t padded = in_size + params->pads[axis] + params->pads[axis + 2];
    const int64_t kernel_extent = params->dilations[axis] * (w.dims[2 + axis] - 1) + 1;
    if (padded < kernel_extent) {
      return ctx.Error("output ", axis == 0 ? "height" : "width",
                       " would be empty: padded input size ", padded, " < dilated kernel size ",
                       kernel_extent, " (input dims ", DimsString(x.dims), ", kernel dims ",
                       DimsString(w.dims), ")");
    }
    out_dims[2 + axis] = (padded - kernel_extent) / params->strides[axis] + 1;
  }
  if (ctx.has_input(3) && ctx.inputs[3].dims != out_dims) {
    return ctx.Error("residual '", ctx.inputs[3].name, "' has dims ",
                     DimsString(ctx.inputs[3].dims), "; it is added to the output, whose dims are ",
                     DimsString(out_dims));
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = std::move(out_dims);
  out.format = TensorFormat::kLinear;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeConvolutionSchema() {
  OpSchema schema;
  schema.name = kConvolutionOp;
  schema.min_inputs = 2;
  schema.max_inputs = 4;
  schema.infer = InferConvolution;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeConvolutionSchema());

AttrMap ConvolutionParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("strides", std::vector<int64_t>(strides.begin(), strides.end()));
  attrs.Set("pads", std::vector<int64_t>(pads.begin(), pads.end()));
  attrs.Set("dilations", std::vector<int64_t>(dilations.begin(), dilations.end()));
  attrs.Set("group", group);
  SetFusedActivationParams(activation, attrs);
  return attrs;
}

absl::StatusOr<ConvolutionParams> ConvolutionParams::FromAttrs(const AttrMap& attrs) {
  ConvolutionParams params;
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "strides", 1, params.strides));
  KILN_RETURN_IF_ERROR(ReadPads(attrs, params.pads));
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "dilations", 1, params.dilations));
  KILN_ASSIGN_OR_RETURN(params.group, ReadGroup(attrs));
  KILN_ASSIGN_OR_RETURN(params.activation, GetFusedActivationParams(attrs));
  return params;
}

absl::StatusOr<TensorId> AddConvolution(NetworkDefinition& network, absl::string_view name,
                                        TensorId input, const ConvolutionParams& params,
                                        Weights weight, std::optional<Weights> bias) {
  KILN_ASSIGN_OR_RETURN(TensorId weight_id,
                        network.AddConstant(absl::StrCat(name, ".weight"), std::move(weight)));
  TensorId bias_id = -1;
  if (bias.has_value()) {
    KILN_ASSIGN_OR_RETURN(bias_id,
                          network.AddConstant(absl::StrCat(name, ".bias"), std::move(*bias)));
  }
  return network.AddLayer1(name, kConvolutionOp, {input, weight_id, bias_id}, params.ToAttrs());
}

}  // namespace kiln
