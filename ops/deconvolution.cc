#include "ops/deconvolution.h"

#include <algorithm>
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

absl::StatusOr<std::vector<TensorDesc>> InferDeconvolution(const InferenceContext& ctx) {
  absl::StatusOr<DeconvolutionParams> params = DeconvolutionParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!ctx.has_input(1)) return ctx.Error("the weight input (input 1) is missing");
  const TensorDesc& w = ctx.inputs[1];

  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; deconvolution takes fp32 or fp16");
  }
  if (!IsFloatType(w.dtype)) {
    return ctx.Error("weight '", w.name, "' is ", DataTypeName(w.dtype),
                     "; deconvolution takes fp32 or fp16 weights");
  }
  if (x.rank() != 4) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected 4 dims (N, C, H, W)");
  }
  if (w.rank() != 4) {
    return ctx.Error("weight '", w.name, "' has dims ", DimsString(w.dims),
                     "; expected 4 dims (C, K/group, R, S)");
  }
  const int64_t group = params->group;
  const int64_t channels = x.dims[1];
  if (channels % group != 0) {
    return ctx.Error("input has ", channels, " channels, which group=", group, " does not divide");
  }
  if (w.dims[0] != channels) {
    return ctx.Error("input has ", channels, " channels, weights expect ", w.dims[0],
                     " (kernel dims ", DimsString(w.dims), ", laid out C x K/group x R x S)");
  }
  if (w.dims[0] <= 0 || w.dims[1] <= 0 || w.dims[2] <= 0 || w.dims[3] <= 0) {
    return ctx.Error("weight dims ", DimsString(w.dims), " must all be positive");
  }
  const int64_t out_channels = w.dims[1] * group;
  if (ctx.has_input(2)) {
    const TensorDesc& b = ctx.inputs[2];
    if (!IsFloatType(b.dtype)) {
      return ctx.Error("bias '", b.name, "' is ", DataTypeName(b.dtype),
                       "; deconvolution takes fp32 or fp16 bias");
    }
    if (b.rank() != 1 || b.dims[0] != out_channels) {
      return ctx.Error("bias '", b.name, "' has dims ", DimsString(b.dims), "; expected ",
                       out_channels, " (one per output channel: ", w.dims[1],
                       " per group x group=", group, ")");
    }
  }

  Dims out_dims = {x.dims[0], out_channels, 0, 0};
  for (int axis = 0; axis < 2; ++axis) {
    const int64_t in_size = x.dims[2 + axis];
    const int64_t full = params->strides[axis] * (in_size - 1) + params->output_padding[axis] +
                         params->dilations[axis] * (w.dims[2 + axis] - 1) + 1;
    const int64_t size = full - params->pads[axis] - params->pads[axis + 2];
    if (in_size <= 0 || size <= 0) {
      return ctx.Error("output ", axis == 0 ? "height" : "width", " would be ", size,
                       ": the pads (", params->pads[axis], " + ", params->pads[axis + 2],
                       ") crop all of the ", full, " unpadded outputs (input dims ",
                       DimsString(x.dims), ", kernel dims ", DimsString(w.dims), ")");
    }
    out_dims[2 + axis] = size;
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = std::move(out_dims);
  out.format = TensorFormat::kLinear;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeDeconvolutionSchema() {
  OpSchema schema;
  schema.name = kDeconvolutionOp;
  schema.min_inputs = 2;
  schema.max_inputs = 3;
  schema.infer = InferDeconvolution;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeDeconvolutionSchema());

AttrMap DeconvolutionParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("strides", std::vector<int64_t>(strides.begin(), strides.end()));
  attrs.Set("pads", std::vector<int64_t>(pads.begin(), pads.end()));
  attrs.Set("dilations", std::vector<int64_t>(dilations.begin(), dilations.end()));
  attrs.Set("group", group);
  attrs.Set("output_padding", std::vector<int64_t>(output_padding.begin(), output_padding.end()));
  return attrs;
}

absl::StatusOr<DeconvolutionParams> DeconvolutionParams::FromAttrs(const AttrMap& attrs) {
  DeconvolutionParams params;
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "strides", 1, params.strides));
  KILN_RETURN_IF_ERROR(ReadPads(attrs, params.pads));
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "dilations", 1, params.dilations));
  KILN_RETURN_IF_ERROR(ReadPair(attrs, "output_padding", 0, params.output_padding));
  KILN_ASSIGN_OR_RETURN(params.group, ReadGroup(attrs));
  // Larger output padding would add rows no input pixel reaches (PyTorch and
  // ONNX both bound it the same way).
  for (int axis = 0; axis < 2; ++axis) {
    const int64_t bound = std::max(params.strides[axis], params.dilations[axis]);
    if (params.output_padding[axis] >= bound) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'output_padding' is [", absl::StrJoin(params.output_padding, ","),
          "]; each value must be < its stride or < its dilation (", axis == 0 ? "height" : "width",
          ": stride ", params.strides[axis], ", dilation ", params.dilations[axis], ")"));
    }
  }
  return params;
}

absl::StatusOr<TensorId> AddDeconvolution(NetworkDefinition& network, absl::string_view name,
                                          TensorId input, const DeconvolutionParams& params,
                                          Weights weight, std::optional<Weights> bias) {
  KILN_ASSIGN_OR_RETURN(TensorId weight_id,
                        network.AddConstant(absl::StrCat(name, ".weight"), std::move(weight)));
  TensorId bias_id = -1;
  if (bias.has_value()) {
    KILN_ASSIGN_OR_RETURN(bias_id,
                          network.AddConstant(absl::StrCat(name, ".bias"), std::move(*bias)));
  }
  return network.AddLayer1(name, kDeconvolutionOp, {input, weight_id, bias_id}, params.ToAttrs());
}

}  // namespace kiln
