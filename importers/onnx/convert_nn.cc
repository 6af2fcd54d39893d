// ONNX neural-network ops: Conv, ConvTranspose, MaxPool, AveragePool,
// GlobalAveragePool, GlobalMaxPool, BatchNormalization, InstanceNormalization,
// LayerNormalization, LRN, Dropout, MeanVarianceNormalization, LpNormalization,
// LpPool, GlobalLpPool, Resize, Upsample, GridSample, MaxUnpool, and the
// quantized ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul.
//
// kiln's windowed ops are 2-D (NCHW); 1-D ONNX forms (N, C, W) run as
// (N, C, 1, W) between two reshapes; 3-D pooling and MaxPool's Indices
// output use the N-D PoolingNd / MaxPoolWithIndices ops, 3-D ConvTranspose
// DeconvolutionNd.

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/activation.h"
#include "ops/cast.h"
#include "ops/conv_integer.h"
#include "ops/convolution.h"
#include "ops/deconvolution.h"
#include "ops/deconvolution_nd.h"
#include "ops/element_wise.h"
#include "ops/grid_sample.h"
#include "ops/instance_normalization.h"
#include "ops/layer_normalization.h"
#include "ops/lp_normalization.h"
#include "ops/lp_pool.h"
#include "ops/lrn.h"
#include "ops/max_unpool.h"
#include "ops/matmul_integer.h"
#include "ops/mean_variance_normalization.h"
#include "ops/pooling.h"
#include "ops/pooling_nd.h"
#include "ops/reduce.h"
#include "ops/resize.h"
#include "ops/scale.h"
#include "ops/unary.h"

namespace kiln {
namespace onnx_import {
namespace {

// Spatial attributes of a windowed node, as [h, w] after lifting 1-D to 2-D.
struct Window {
  int spatial = 2;  // 1 or 2 (ONNX's spatial rank)
  std::array<int64_t, 2> kernel = {1, 1}, strides = {1, 1}, dilations = {1, 1};
  std::array<int64_t, 4> pads = {0, 0, 0, 0};  // top, left, bottom, right
  std::string auto_pad = "NOTSET";
};

// Reads a per-spatial-dim list attribute into `out` ([h, w]); a 1-D node's
// single value goes to w.
absl::Status ReadSpatial(const ImportContext& ctx, absl::string_view name, int spatial,
                         std::array<int64_t, 2>& out) {
  if (!ctx.HasAttr(name)) return absl::OkStatus();
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> v, ctx.AttrInts(name, {}));
  if (static_cast<int>(v.size()) != spatial) {
    return ctx.Error("attribute '", name, "' has ", v.size(), " values for ", spatial,
                     " spatial dims");
  }
  if (spatial == 1) {
    out = {1, v[0]};
  } else {
    out = {v[0], v[1]};
  }
  return absl::OkStatus();
}

absl::StatusOr<Window> ReadWindow(const ImportContext& ctx, int spatial,
                                  const std::array<int64_t, 2>& kernel) {
  Window w;
  w.spatial = spatial;
  w.kernel = kernel;
  KILN_RETURN_IF_ERROR(ReadSpatial(ctx, "strides", spatial, w.strides));
  KILN_RETURN_IF_ERROR(ReadSpatial(ctx, "dilations", spatial, w.dilations));
  KILN_ASSIGN_OR_RETURN(w.auto_pad, ctx.AttrString("auto_pad", "NOTSET"));
  if (ctx.HasAttr("pads")) {
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> p, ctx.AttrInts("pads", {}));
    if (static_cast<int>(p.size()) != 2 * spatial) {
      return ctx.Error("attribute 'pads' has ", p.size(), " values; need ", 2 * spatial);
    }
    w.pads = spatial == 1 ? std::array<int64_t, 4>{0, p[0], 0, p[1]}
                          : std::array<int64_t, 4>{p[0], p[1], p[2], p[3]};
  }
  return w;
}

// Pads from auto_pad for input size `in` ([h, w]) (Conv and pooling rule).
absl::Status ResolveAutoPad(const ImportContext& ctx, const std::array<int64_t, 2>& in,
                            Window& w) {
  if (w.auto_pad == "NOTSET" || w.auto_pad.empty()) return absl::OkStatus();
  if (w.auto_pad == "VALID") {
    w.pads = {0, 0, 0, 0};
    return absl::OkStatus();
  }
  if (w.auto_pad != "SAME_UPPER" && w.auto_pad != "SAME_LOWER") {
    return ctx.Error("auto_pad '", w.auto_pad, "' is unknown");
  }
  ctx.PinShapes(absl::StrCat(w.auto_pad, " padding computed for input ", in[0], "x", in[1]));
  for (int d = 0; d < 2; ++d) {
    const int64_t out = (in[d] + w.strides[d] - 1) / w.strides[d];
    const int64_t total = std::max<int64_t>(
        0, (out - 1) * w.strides[d] + (w.kernel[d] - 1) * w.dilations[d] + 1 - in[d]);
    const int64_t small = total / 2, large = total - total / 2;
    w.pads[d] = w.auto_pad == "SAME_UPPER" ? small : large;
    w.pads[d + 2] = w.auto_pad == "SAME_UPPER" ? large : small;
  }
  return absl::OkStatus();
}

// (N, C, W) -> (N, C, 1, W) for 1-D nodes; 4-D passes through.
absl::StatusOr<TensorId> Lift(ImportContext& ctx, absl::string_view suffix, TensorId x) {
  const Dims& d = ctx.DescOf(x).dims;
  if (d.size() == 4) return x;
  if (d.size() != 3) {
    return ctx.Unsupported("kiln supports 1-D and 2-D spatial ops; input is ", DimsString(d));
  }
  return ReshapeTo(ctx, suffix, x, {d[0], d[1], 1, d[2]}, true);
}

absl::StatusOr<TensorId> Lower(ImportContext& ctx, TensorId y, int spatial) {
  if (spatial == 2) return y;
  const Dims& d = ctx.DescOf(y).dims;
  return ReshapeTo(ctx, "", y, {d[0], d[1], d[3]}, true);
}

std::array<int64_t, 2> SpatialOf(const Dims& lifted) { return {lifted[2], lifted[3]}; }

absl::Status ConvertConv(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId weight, ctx.RequiredInput(1));
  const int spatial = static_cast<int>(ctx.DescOf(x).rank()) - 2;
  const bool lifted = spatial == 1;
  KILN_ASSIGN_OR_RETURN(TensorId x2, Lift(ctx, "in2d", x));
  KILN_ASSIGN_OR_RETURN(TensorId w2, Lift(ctx, "weight2d", weight));
  const Dims& wd = ctx.DescOf(w2).dims;
  KILN_ASSIGN_OR_RETURN(Window w, ReadWindow(ctx, spatial, {wd[2], wd[3]}));
  KILN_RETURN_IF_ERROR(ResolveAutoPad(ctx, SpatialOf(ctx.DescOf(x2).dims), w));
  ConvolutionParams params;
  params.strides = w.strides;
  params.dilations = w.dilations;
  params.pads = w.pads;
  KILN_ASSIGN_OR_RETURN(params.group, ctx.AttrInt("group", 1));
  std::vector<TensorId> inputs = {x2, w2};
  if (ctx.has_input(2)) inputs.push_back(ctx.input(2));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1(lifted ? "conv2d" : "", kConvolutionOp, inputs,
                                                  params.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(y, Lower(ctx, y, spatial));
  return ctx.SetOutput(0, y);
}

// ConvTranspose with 3 or more spatial dims: kiln's N-D DeconvolutionNd,
// with output_shape / auto_pad resolved into pads as for the 2-D form.
absl::Status ConvertConvTransposeNd(ImportContext& ctx, TensorId x, TensorId weight) {
  const Dims in = ctx.DescOf(x).dims;
  const Dims wd = ctx.DescOf(weight).dims;
  const size_t k = in.size() - 2;
  if (wd.size() != in.size()) {
    return ctx.Error("weight ", DimsString(wd), " and input ", DimsString(in), " differ in rank");
  }
  DeconvolutionNdParams params;
  KILN_ASSIGN_OR_RETURN(params.strides, ctx.AttrInts("strides", std::vector<int64_t>(k, 1)));
  KILN_ASSIGN_OR_RETURN(params.dilations, ctx.AttrInts("dilations", std::vector<int64_t>(k, 1)));
  KILN_ASSIGN_OR_RETURN(params.pads, ctx.AttrInts("pads", std::vector<int64_t>(2 * k, 0)));
  KILN_ASSIGN_OR_RETURN(params.output_padding,
                        ctx.AttrInts("output_padding", std::vector<int64_t>(k, 0)));
  KILN_ASSIGN_OR_RETURN(params.group, ctx.AttrInt("group", 1));
  if (params.strides.size() != k || params.dilations.size() != k || params.pads.size() != 2 * k ||
      params.output_padding.size() != k) {
    return ctx.Error("strides / dilations / pads / output_padding do not match ", k,
                     " spatial dims (input ", DimsString(in), ")");
  }
  KILN_ASSIGN_OR_RETURN(std::string auto_pad, ctx.AttrString("auto_pad", "NOTSET"));
  std::vector<int64_t> out_shape;
  if (ctx.HasAttr("output_shape")) {
    KILN_ASSIGN_OR_RETURN(out_shape, ctx.AttrInts("output_shape", {}));
    if (out_shape.size() == k + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
    if (out_shape.size() != k) return ctx.Error("output_shape has ", out_shape.size(), " values");
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    ctx.PinShapes(absl::StrCat(auto_pad, " padding computed for input ", DimsString(in)));
    for (size_t d = 0; d < k; ++d) out_shape.push_back(in[2 + d] * params.strides[d]);
  } else if (auto_pad == "VALID") {
    params.pads.assign(2 * k, 0);
  }
  for (size_t d = 0; d < out_shape.size(); ++d) {
    const int64_t total = params.strides[d] * (in[2 + d] - 1) + params.output_padding[d] +
                          (wd[2 + d] - 1) * params.dilations[d] + 1 - out_shape[d];
    if (total < 0) {
      params.output_padding[d] -= total;
      params.pads[d] = params.pads[k + d] = 0;
      continue;
    }
    const bool upper = auto_pad != "SAME_LOWER";
    params.pads[d] = upper ? total / 2 : total - total / 2;
    params.pads[k + d] = total - params.pads[d];
  }
  std::vector<TensorId> inputs = {x, weight};
  if (ctx.has_input(2)) inputs.push_back(ctx.input(2));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kDeconvolutionNdOp, inputs, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertConvTranspose(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId weight, ctx.RequiredInput(1));
  const int spatial = static_cast<int>(ctx.DescOf(x).rank()) - 2;
  if (spatial >= 3) return ConvertConvTransposeNd(ctx, x, weight);
  KILN_ASSIGN_OR_RETURN(TensorId x2, Lift(ctx, "in2d", x));
  KILN_ASSIGN_OR_RETURN(TensorId w2, Lift(ctx, "weight2d", weight));
  const Dims& wd = ctx.DescOf(w2).dims;
  KILN_ASSIGN_OR_RETURN(Window w, ReadWindow(ctx, spatial, {wd[2], wd[3]}));
  DeconvolutionParams params;
  KILN_RETURN_IF_ERROR(ReadSpatial(ctx, "output_padding", spatial, params.output_padding));
  if (spatial == 1) params.output_padding[0] = 0;
  const std::array<int64_t, 2> in = SpatialOf(ctx.DescOf(x2).dims);
  std::array<int64_t, 2> out_shape = {0, 0};
  bool has_out_shape = ctx.HasAttr("output_shape");
  if (has_out_shape) {
    KILN_RETURN_IF_ERROR(ReadSpatial(ctx, "output_shape", spatial, out_shape));
    if (spatial == 1) out_shape[0] = 1;
  } else if (w.auto_pad == "SAME_UPPER" || w.auto_pad == "SAME_LOWER") {
    ctx.PinShapes(absl::StrCat(w.auto_pad, " padding computed for input ", in[0], "x", in[1]));
    out_shape = {in[0] * w.strides[0], in[1] * w.strides[1]};
    has_out_shape = true;
  } else if (w.auto_pad == "VALID") {
    w.pads = {0, 0, 0, 0};
  }
  if (has_out_shape) {
    for (int d = 0; d < 2; ++d) {
      const int64_t total = w.strides[d] * (in[d] - 1) + params.output_padding[d] +
                            (w.kernel[d] - 1) * w.dilations[d] + 1 - out_shape[d];
      if (total < 0) {
        // The requested size is larger: the extra rows come from output_padding.
        params.output_padding[d] -= total;
        w.pads[d] = w.pads[d + 2] = 0;
        continue;
      }
      const bool upper = w.auto_pad != "SAME_LOWER";
      w.pads[d] = upper ? total / 2 : total - total / 2;
      w.pads[d + 2] = total - w.pads[d];
    }
  }
  params.strides = w.strides;
  params.dilations = w.dilations;
  params.pads = w.pads;
  KILN_ASSIGN_OR_RETURN(params.group, ctx.AttrInt("group", 1));
  std::vector<TensorId> inputs = {x2, w2};
  if (ctx.has_input(2)) inputs.push_back(ctx.input(2));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1(spatial == 1 ? "deconv2d" : "",
                                                  kDeconvolutionOp, inputs, params.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(y, Lower(ctx, y, spatial));
  return ctx.SetOutput(0, y);
}

// MaxPool / AveragePool beyond kiln's 2-D Pooling: 3-D and higher windows
// (PoolingNd), and MaxPool's Indices output at any rank (MaxPoolWithIndices).
absl::Status ConvertPoolNd(ImportContext& ctx, TensorId x, PoolingType type) {
  const Dims in = ctx.DescOf(x).dims;
  const size_t k = in.size() - 2;
  PoolingNdParams params;
  params.average = type == PoolingType::kAverage;
  KILN_ASSIGN_OR_RETURN(params.kernel, ctx.AttrInts("kernel_shape", {}));
  KILN_ASSIGN_OR_RETURN(params.strides, ctx.AttrInts("strides", std::vector<int64_t>(k, 1)));
  KILN_ASSIGN_OR_RETURN(params.dilations, ctx.AttrInts("dilations", std::vector<int64_t>(k, 1)));
  KILN_ASSIGN_OR_RETURN(params.pads, ctx.AttrInts("pads", std::vector<int64_t>(2 * k, 0)));
  if (params.kernel.size() != k || params.strides.size() != k || params.dilations.size() != k ||
      params.pads.size() != 2 * k) {
    return ctx.Error("kernel_shape / strides / dilations / pads do not match ", k,
                     " spatial dims (input ", DimsString(in), ")");
  }
  KILN_ASSIGN_OR_RETURN(std::string auto_pad, ctx.AttrString("auto_pad", "NOTSET"));
  if (auto_pad == "VALID") {
    params.pads.assign(2 * k, 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t d = 0; d < k; ++d) {
      const int64_t s = params.strides[d];
      const int64_t out = (in[2 + d] + s - 1) / s;
      const int64_t total = std::max<int64_t>(
          0, (out - 1) * s + (params.kernel[d] - 1) * params.dilations[d] + 1 - in[2 + d]);
      params.pads[d] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      params.pads[k + d] = total - params.pads[d];
    }
  } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
    return ctx.Error("auto_pad '", auto_pad, "' is unknown");
  }
  KILN_ASSIGN_OR_RETURN(int64_t ceil_mode, ctx.AttrInt("ceil_mode", 0));
  KILN_ASSIGN_OR_RETURN(int64_t count_include_pad, ctx.AttrInt("count_include_pad", 0));
  KILN_ASSIGN_OR_RETURN(int64_t storage_order, ctx.AttrInt("storage_order", 0));
  params.ceil_mode = ceil_mode != 0;
  params.count_include_pad = count_include_pad != 0;
  params.column_major_indices = storage_order != 0;
  if (!ctx.has_output(1)) {
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kPoolingNdOp, {x}, params.ToAttrs()));
    return ctx.SetOutput(0, y);
  }
  if (ctx.DescOf(x).dtype != DataType::kFloat32) {
    return ctx.Unsupported("the Indices output needs an fp32 input; got ",
                           DataTypeName(ctx.DescOf(x).dtype));
  }
  KILN_ASSIGN_OR_RETURN(std::vector<TensorId> outs,
                        ctx.AddLayer("", kMaxPoolWithIndicesOp, {x}, params.ToAttrs()));
  KILN_RETURN_IF_ERROR(ctx.SetOutput(0, outs[0]));
  return ctx.SetOutput(1, outs[1]);
}

OnnxConverter PoolConverter(PoolingType type) {
  return [type](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
    const int spatial = static_cast<int>(ctx.DescOf(x).rank()) - 2;
    if (!ctx.HasAttr("kernel_shape")) return ctx.Error("attribute 'kernel_shape' is required");
    if (spatial >= 1 && (spatial > 2 || ctx.has_output(1))) return ConvertPoolNd(ctx, x, type);
    KILN_ASSIGN_OR_RETURN(TensorId x2, Lift(ctx, "in2d", x));
    std::array<int64_t, 2> kernel = {1, 1};
    if (!ctx.HasAttr("kernel_shape")) return ctx.Error("attribute 'kernel_shape' is required");
    KILN_RETURN_IF_ERROR(ReadSpatial(ctx, "kernel_shape", spatial, kernel));
    KILN_ASSIGN_OR_RETURN(Window w, ReadWindow(ctx, spatial, kernel));
    KILN_RETURN_IF_ERROR(ResolveAutoPad(ctx, SpatialOf(ctx.DescOf(x2).dims), w));
    PoolingParams params;
    params.type = type;
    params.kernel = w.kernel;
    params.strides = w.strides;
    params.dilations = w.dilations;
    params.pads = w.pads;
    KILN_ASSIGN_OR_RETURN(int64_t ceil_mode, ctx.AttrInt("ceil_mode", 0));
    KILN_ASSIGN_OR_RETURN(int64_t count_include_pad, ctx.AttrInt("count_include_pad", 0));
    params.ceil_mode = ceil_mode != 0;
    params.count_include_pad = count_include_pad != 0;
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1(spatial == 1 ? "pool2d" : "", kPoolingOp,
                                                    {x2}, params.ToAttrs()));
    KILN_ASSIGN_OR_RETURN(y, Lower(ctx, y, spatial));
    return ctx.SetOutput(0, y);
  };
}

OnnxConverter GlobalPoolConverter(ReduceOp op) {
  return [op](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
    ReduceParams params;
    params.op = op;
    for (int64_t d = 2; d < ctx.DescOf(x).rank(); ++d) params.axes.push_back(d);
    if (params.axes.empty()) return ctx.Error("needs an input of rank >= 3");
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kReduceOp, {x}, params.ToAttrs()));
    return ctx.SetOutput(0, y);
  };
}

absl::StatusOr<TensorId> Binary(ImportContext& ctx, absl::string_view suffix, TensorId a,
                                TensorId b, ElementWiseOp op) {
  return ctx.AddLayer1(suffix, kElementWiseOp, {a, b}, ElementWiseParams{op}.ToAttrs());
}

// Inference BatchNormalization as a per-channel Scale:
//   scale' = scale / sqrt(var + eps), shift' = B - mean * scale'
// (folded at import when the statistics are constants, as they usually are).
absl::Status ConvertBatchNormalization(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(int64_t training, ctx.AttrInt("training_mode", 0));
  if (training != 0 || ctx.has_output(1)) {
    return ctx.Unsupported("training mode (running statistics outputs) is not supported");
  }
  // Before opset 9: spatial=0 keeps statistics per (C, H, W) element; is_test
  // and consumed_inputs (before 7) do not change inference.
  KILN_ASSIGN_OR_RETURN(int64_t spatial, ctx.AttrInt("spatial", 1));
  if (spatial == 0) return ctx.Unsupported("spatial=0 (per-element statistics) is not supported");
  std::vector<TensorId> p;
  for (int i = 1; i <= 4; ++i) {
    KILN_ASSIGN_OR_RETURN(TensorId t, ctx.RequiredInput(i));
    p.push_back(t);
  }
  KILN_ASSIGN_OR_RETURN(float epsilon, ctx.AttrFloat("epsilon", 1e-5f));
  KILN_ASSIGN_OR_RETURN(TensorId eps, ctx.AddConstant("epsilon", ScalarWeights(ctx.DescOf(p[3]).dtype, epsilon)));
  KILN_ASSIGN_OR_RETURN(TensorId var_eps, Binary(ctx, "var_eps", p[3], eps, ElementWiseOp::kSum));
  KILN_ASSIGN_OR_RETURN(TensorId stddev, ctx.AddLayer1("stddev", kUnaryOp, {var_eps},
                                                       UnaryParams{UnaryOp::kSqrt}.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(TensorId scale, Binary(ctx, "scale", p[0], stddev, ElementWiseOp::kDiv));
  KILN_ASSIGN_OR_RETURN(TensorId mean_scaled, Binary(ctx, "mean_scaled", p[2], scale, ElementWiseOp::kProd));
  KILN_ASSIGN_OR_RETURN(TensorId shift, Binary(ctx, "shift", p[1], mean_scaled, ElementWiseOp::kSub));
  ScaleParams params;
  params.mode = ScaleMode::kChannel;
  params.channel_axis = 1;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kScaleOp, {x, shift, scale, -1},
                                                  params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertInstanceNormalization(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId scale, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(TensorId bias, ctx.RequiredInput(2));
  InstanceNormalizationParams params;
  KILN_ASSIGN_OR_RETURN(params.epsilon, ctx.AttrFloat("epsilon", 1e-5f));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kInstanceNormalizationOp, {x, scale, bias},
                                                  params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertLayerNormalization(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId scale, ctx.RequiredInput(1));
  LayerNormalizationParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", -1));
  KILN_ASSIGN_OR_RETURN(params.epsilon, ctx.AttrFloat("epsilon", 1e-5f));
  KILN_ASSIGN_OR_RETURN(params.stash_type, ctx.AttrInt("stash_type", 1));
  KILN_ASSIGN_OR_RETURN(std::vector<TensorId> outs,
                        ctx.AddLayer("", kLayerNormalizationOp, {x, scale, ctx.input(2)},
                                     params.ToAttrs()));
  for (int i = 0; i < 3 && i < static_cast<int>(outs.size()); ++i) {
    KILN_RETURN_IF_ERROR(ctx.SetOutput(i, outs[i]));
  }
  return absl::OkStatus();
}

absl::Status ConvertLrn(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  LrnParams params;
  if (!ctx.HasAttr("size")) return ctx.Error("attribute 'size' is required");
  KILN_ASSIGN_OR_RETURN(params.size, ctx.AttrInt("size", 1));
  KILN_ASSIGN_OR_RETURN(params.alpha, ctx.AttrFloat("alpha", 1e-4f));
  KILN_ASSIGN_OR_RETURN(params.beta, ctx.AttrFloat("beta", 0.75f));
  KILN_ASSIGN_OR_RETURN(params.bias, ctx.AttrFloat("bias", 1.0f));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kLrnOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// Inference Dropout is the identity; its mask is all true.
absl::Status ConvertDropout(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  if (ctx.opset() >= 12 && ctx.has_input(2)) {
    const Weights* training = ctx.constant(2);
    if (training == nullptr) return ctx.Unsupported("training_mode must be a constant");
    if (training->bytes() > 0 && static_cast<const uint8_t*>(training->data())[0] != 0) {
      return ctx.Unsupported("training mode is not supported (kiln runs inference)");
    }
  }
  KILN_RETURN_IF_ERROR(ctx.SetOutput(0, x));
  if (ctx.has_output(1)) {
    const DataType mask_type = ctx.opset() >= 10 ? DataType::kBool : ctx.DescOf(x).dtype;
    KILN_ASSIGN_OR_RETURN(TensorId mask, ctx.AddConstant("mask", ScalarWeights(mask_type, 1.0, ctx.DescOf(x).dims)));
    KILN_RETURN_IF_ERROR(ctx.SetOutput(1, mask));
  }
  return absl::OkStatus();
}

absl::Status ConvertMeanVarianceNormalization(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  MeanVarianceNormalizationParams params;
  KILN_ASSIGN_OR_RETURN(params.axes, ctx.AttrInts("axes", {0, 2, 3}));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kMeanVarianceNormalizationOp, {x},
                                                  params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

absl::Status ConvertLpNormalization(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  LpNormalizationParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, ctx.AttrInt("axis", -1));
  KILN_ASSIGN_OR_RETURN(params.p, ctx.AttrInt("p", 2));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kLpNormalizationOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// LpPool maps attribute for attribute; GlobalLpPool is LpPool with the
// whole spatial extent as its kernel.
absl::Status ConvertLpPool(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  LpPoolParams params;
  if (ctx.op_type() == "GlobalLpPool") {
    const Dims& d = ctx.DescOf(x).dims;
    if (d.size() < 3) return ctx.Error("needs an input of rank >= 3; got ", DimsString(d));
    ctx.PinShapes(absl::StrCat("kernel fixed to the input's spatial size ", DimsString(d)));
    params.kernel_shape.assign(d.begin() + 2, d.end());
  } else {
    if (!ctx.HasAttr("kernel_shape")) return ctx.Error("attribute 'kernel_shape' is required");
    KILN_ASSIGN_OR_RETURN(params.kernel_shape, ctx.AttrInts("kernel_shape", {}));
    KILN_ASSIGN_OR_RETURN(params.strides, ctx.AttrInts("strides", {}));
    KILN_ASSIGN_OR_RETURN(params.pads, ctx.AttrInts("pads", {}));
    KILN_ASSIGN_OR_RETURN(params.dilations, ctx.AttrInts("dilations", {}));
    KILN_ASSIGN_OR_RETURN(int64_t ceil_mode, ctx.AttrInt("ceil_mode", 0));
    params.ceil_mode = ceil_mode != 0;
    KILN_ASSIGN_OR_RETURN(params.auto_pad, ctx.AttrString("auto_pad", "NOTSET"));
  }
  KILN_ASSIGN_OR_RETURN(params.p, ctx.AttrInt("p", 2));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kLpPoolOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample
// (opset 7: scales attribute; 9: scales input). roi, scales and sizes must
// be constants; an empty tensor counts as absent. Resize-10 and Upsample
// use the asymmetric transform with floor rounding for nearest.
absl::Status ConvertResize(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  if (ctx.op_type() == "Upsample" && ctx.opset() < 7) {
    return ctx.Unsupported("the experimental opset-1 Upsample is not supported");
  }
  ResizeParams params;
  KILN_ASSIGN_OR_RETURN(params.mode, ctx.AttrString("mode", "nearest"));
  const bool legacy = ctx.op_type() == "Upsample" || ctx.opset() < 11;
  auto present = [&ctx](int i) {
    return ctx.has_input(i) &&
           (ctx.constant(i) == nullptr || Volume(ctx.constant(i)->dims()) > 0);
  };
  if (legacy) {
    if (params.mode == "bilinear") params.mode = "linear";
    params.coordinate_transformation_mode = "asymmetric";
    params.nearest_mode = "floor";
    if (ctx.op_type() == "Upsample" && ctx.opset() < 9) {
      KILN_ASSIGN_OR_RETURN(params.scales, ctx.AttrFloats("scales", {}));
    } else {
      KILN_ASSIGN_OR_RETURN(params.scales, ctx.ConstantFloats(1));
    }
  } else {
    KILN_ASSIGN_OR_RETURN(params.coordinate_transformation_mode,
                          ctx.AttrString("coordinate_transformation_mode", "half_pixel"));
    KILN_ASSIGN_OR_RETURN(params.nearest_mode, ctx.AttrString("nearest_mode", "round_prefer_floor"));
    KILN_ASSIGN_OR_RETURN(params.cubic_coeff_a, ctx.AttrFloat("cubic_coeff_a", -0.75f));
    KILN_ASSIGN_OR_RETURN(int64_t exclude_outside, ctx.AttrInt("exclude_outside", 0));
    params.exclude_outside = exclude_outside != 0;
    KILN_ASSIGN_OR_RETURN(params.extrapolation_value, ctx.AttrFloat("extrapolation_value", 0.0f));
    KILN_ASSIGN_OR_RETURN(int64_t antialias, ctx.AttrInt("antialias", 0));
    params.antialias = antialias != 0;
    KILN_ASSIGN_OR_RETURN(params.keep_aspect_ratio_policy,
                          ctx.AttrString("keep_aspect_ratio_policy", "stretch"));
    KILN_ASSIGN_OR_RETURN(params.axes, ctx.AttrInts("axes", {}));
    if (present(1) && params.coordinate_transformation_mode == "tf_crop_and_resize") {
      KILN_ASSIGN_OR_RETURN(params.roi, ctx.ConstantFloats(1));
    }
    if (present(2)) {
      KILN_ASSIGN_OR_RETURN(params.scales, ctx.ConstantFloats(2));
    }
    if (present(3)) {
      KILN_ASSIGN_OR_RETURN(params.sizes, ctx.ConstantInts(3));
    }
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kResizeOp, {x}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// GridSample maps attribute for attribute (kiln accepts opset 16's
// bilinear/bicubic names as well as opset 20's linear/cubic).
absl::Status ConvertGridSample(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId grid, ctx.RequiredInput(1));
  GridSampleParams params;
  KILN_ASSIGN_OR_RETURN(params.mode, ctx.AttrString("mode", ctx.opset() >= 20 ? "linear" : "bilinear"));
  KILN_ASSIGN_OR_RETURN(params.padding_mode, ctx.AttrString("padding_mode", "zeros"));
  KILN_ASSIGN_OR_RETURN(int64_t align_corners, ctx.AttrInt("align_corners", 0));
  params.align_corners = align_corners != 0;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kGridSampleOp, {x, grid}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// MaxUnpool: the optional output_shape input (the full output dims) must be
// a constant; kiln takes it as an attribute.
absl::Status ConvertMaxUnpool(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId indices, ctx.RequiredInput(1));
  MaxUnpoolParams params;
  if (!ctx.HasAttr("kernel_shape")) return ctx.Error("attribute 'kernel_shape' is required");
  KILN_ASSIGN_OR_RETURN(params.kernel_shape, ctx.AttrInts("kernel_shape", {}));
  KILN_ASSIGN_OR_RETURN(params.strides, ctx.AttrInts("strides", {}));
  KILN_ASSIGN_OR_RETURN(params.pads, ctx.AttrInts("pads", {}));
  if (ctx.has_input(2)) {
    KILN_ASSIGN_OR_RETURN(params.output_shape, ctx.ConstantInts(2));
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kMaxUnpoolOp, {x, indices}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}


// --- Quantized integer ops: ConvInteger, MatMulInteger, QLinearConv,
// QLinearMatMul. Zero points are subtracted in int32 (kiln reads uint8 as
// int32; int8 is cast up), the product runs in kiln's exact int32
// ConvInteger / MatMulInteger, and the QLinear forms requantize in fp32:
// round half to even, add the output zero point, saturate.

absl::StatusOr<TensorId> ToInt32(ImportContext& ctx, absl::string_view suffix, TensorId t) {
  if (ctx.DescOf(t).dtype == DataType::kInt32) return t;
  if (ctx.DescOf(t).dtype != DataType::kInt8) {
    return ctx.Unsupported("quantized input is ", DataTypeName(ctx.DescOf(t).dtype),
                           "; uint8 and int8 are supported");
  }
  return ctx.AddLayer1(suffix, kCastOp, {t}, CastParams{DataType::kInt32}.ToAttrs());
}

// `value` minus the zero point input `zp_input` (when present) in int32. A
// 1-D zero point of more than one entry applies along `axis` of value's
// `rank` dims (per output channel / row / column).
absl::StatusOr<TensorId> Centered(ImportContext& ctx, absl::string_view name, TensorId value,
                                  int zp_input, int axis) {
  KILN_ASSIGN_OR_RETURN(value, ToInt32(ctx, absl::StrCat(name, "_i32"), value));
  if (!ctx.has_input(zp_input)) return value;
  KILN_ASSIGN_OR_RETURN(TensorId zp,
                        ToInt32(ctx, absl::StrCat(name, "_zero_point_i32"), ctx.input(zp_input)));
  const Dims zd = ctx.DescOf(zp).dims;
  const int64_t rank = ctx.DescOf(value).rank();
  if (Volume(zd) != 1 || zd.size() > 1) {
    if (zd.size() != 1) {
      return ctx.Unsupported("zero point of dims ", DimsString(zd), " (only scalar or 1-D)");
    }
    Dims shape(rank - axis, 1);
    shape[0] = zd[0];
    KILN_ASSIGN_OR_RETURN(zp, ReshapeTo(ctx, absl::StrCat(name, "_zero_point_axis"), zp, shape));
  }
  return ctx.AddLayer1(absl::StrCat(name, "_centered"), kElementWiseOp, {value, zp},
                       ElementWiseParams{ElementWiseOp::kSub}.ToAttrs());
}

absl::StatusOr<TensorId> ToFp32(ImportContext& ctx, absl::string_view suffix, TensorId t) {
  if (ctx.DescOf(t).dtype == DataType::kFloat32) return t;
  return ctx.AddLayer1(suffix, kCastOp, {t}, CastParams{DataType::kFloat32}.ToAttrs());
}

// y = saturate(round_half_even(acc * a_scale * b_scale / y_scale) + y_zp)
// for the QLinear ops: scales are inputs a_scale, b_scale, y_scale (b's may
// be per output channel along `b_scale_axis` of acc), y_zp is input `y_zp`.
absl::Status Requantize(ImportContext& ctx, TensorId acc, int a_scale, int b_scale,
                        int b_scale_axis, int y_scale, int y_zp) {
  const int64_t rank = ctx.DescOf(acc).rank();
  KILN_ASSIGN_OR_RETURN(TensorId v, ToFp32(ctx, "acc_f32", acc));
  KILN_ASSIGN_OR_RETURN(TensorId sa, ctx.RequiredInput(a_scale));
  KILN_ASSIGN_OR_RETURN(TensorId sb, ctx.RequiredInput(b_scale));
  KILN_ASSIGN_OR_RETURN(TensorId sy, ctx.RequiredInput(y_scale));
  KILN_ASSIGN_OR_RETURN(sa, ToFp32(ctx, "a_scale_f32", sa));
  KILN_ASSIGN_OR_RETURN(sb, ToFp32(ctx, "b_scale_f32", sb));
  KILN_ASSIGN_OR_RETURN(sy, ToFp32(ctx, "y_scale_f32", sy));
  const Dims bd = ctx.DescOf(sb).dims;
  if (Volume(bd) != 1 || bd.size() > 1) {
    if (bd.size() != 1) return ctx.Unsupported("scale of dims ", DimsString(bd));
    Dims shape(rank - b_scale_axis, 1);
    shape[0] = bd[0];
    KILN_ASSIGN_OR_RETURN(sb, ReshapeTo(ctx, "b_scale_axis", sb, shape));
  }
  // The multiplier as ONNX's reference orders it: a_scale * b_scale / y_scale.
  KILN_ASSIGN_OR_RETURN(TensorId m, Binary(ctx, "scale_ab", sa, sb, ElementWiseOp::kProd));
  KILN_ASSIGN_OR_RETURN(m, Binary(ctx, "multiplier", m, sy, ElementWiseOp::kDiv));
  KILN_ASSIGN_OR_RETURN(v, Binary(ctx, "scaled", v, m, ElementWiseOp::kProd));
  KILN_ASSIGN_OR_RETURN(v, ctx.AddLayer1("rounded", kUnaryOp, {v},
                                         UnaryParams{UnaryOp::kRound}.ToAttrs()));
  DataType out_type = DataType::kInt32;  // uint8, the default
  if (ctx.has_input(y_zp)) {
    out_type = ctx.desc(y_zp).dtype;
    if (out_type != DataType::kInt8 && out_type != DataType::kInt32) {
      return ctx.Unsupported("output type ", DataTypeName(out_type), " (uint8 and int8 are)");
    }
    KILN_ASSIGN_OR_RETURN(TensorId zp, ToFp32(ctx, "y_zero_point_f32", ctx.input(y_zp)));
    KILN_ASSIGN_OR_RETURN(v, Binary(ctx, "shifted", v, zp, ElementWiseOp::kSum));
  }
  ActivationParams clip;
  clip.type = ActivationType::kClip;
  clip.alpha = out_type == DataType::kInt8 ? -128.0f : 0.0f;
  clip.beta = out_type == DataType::kInt8 ? 127.0f : 255.0f;
  KILN_ASSIGN_OR_RETURN(v, ctx.AddLayer1("saturated", kActivationOp, {v}, clip.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kCastOp, {v}, CastParams{out_type}.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// Integer convolution of centered x and w (2-D, or 1-D lifted), int32.
absl::StatusOr<TensorId> IntegerConv(ImportContext& ctx, TensorId x, TensorId w) {
  const int spatial = static_cast<int>(ctx.DescOf(x).rank()) - 2;
  KILN_ASSIGN_OR_RETURN(TensorId x2, Lift(ctx, "in2d", x));
  KILN_ASSIGN_OR_RETURN(TensorId w2, Lift(ctx, "weight2d", w));
  const Dims& wd = ctx.DescOf(w2).dims;
  KILN_ASSIGN_OR_RETURN(Window win, ReadWindow(ctx, spatial, {wd[2], wd[3]}));
  KILN_RETURN_IF_ERROR(ResolveAutoPad(ctx, SpatialOf(ctx.DescOf(x2).dims), win));
  ConvIntegerParams params;
  params.strides = win.strides;
  params.dilations = win.dilations;
  params.pads = win.pads;
  KILN_ASSIGN_OR_RETURN(params.group, ctx.AttrInt("group", 1));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("conv_integer", kConvIntegerOp, {x2, w2},
                                                  params.ToAttrs()));
  if (spatial == 2) return y;
  const Dims& d = ctx.DescOf(y).dims;
  return ReshapeTo(ctx, "conv_integer_1d", y, {d[0], d[1], d[3]}, true);
}

// ConvInteger(x, w, x_zero_point, w_zero_point) -> int32.
absl::Status ConvertConvInteger(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId w, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(x, Centered(ctx, "x", x, 2, 1));
  KILN_ASSIGN_OR_RETURN(w, Centered(ctx, "w", w, 3, 0));
  KILN_ASSIGN_OR_RETURN(TensorId y, IntegerConv(ctx, x, w));
  return ctx.SetOutput(0, y);
}

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B).
absl::Status ConvertQLinearConv(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId w, ctx.RequiredInput(3));
  KILN_ASSIGN_OR_RETURN(x, Centered(ctx, "x", x, 2, 1));
  KILN_ASSIGN_OR_RETURN(w, Centered(ctx, "w", w, 5, 0));
  KILN_ASSIGN_OR_RETURN(TensorId acc, IntegerConv(ctx, x, w));
  if (ctx.has_input(8)) {
    const int64_t rank = ctx.DescOf(acc).rank();
    KILN_ASSIGN_OR_RETURN(TensorId bias, ToInt32(ctx, "bias_i32", ctx.input(8)));
    Dims shape(rank - 1, 1);
    shape[0] = Volume(ctx.DescOf(bias).dims);
    KILN_ASSIGN_OR_RETURN(bias, ReshapeTo(ctx, "bias_axis", bias, shape));
    KILN_ASSIGN_OR_RETURN(acc, Binary(ctx, "biased", acc, bias, ElementWiseOp::kSum));
  }
  return Requantize(ctx, acc, 1, 4, 1, 6, 7);
}

// Rank >= 2 operands of the integer matmul; 1-D ones are not supported.
absl::StatusOr<TensorId> IntegerMatMul(ImportContext& ctx, TensorId a, TensorId b) {
  if (ctx.DescOf(a).rank() < 2 || ctx.DescOf(b).rank() < 2) {
    return ctx.Unsupported("1-D operands are not supported (", DimsString(ctx.DescOf(a).dims),
                           " x ", DimsString(ctx.DescOf(b).dims), ")");
  }
  return ctx.AddLayer1("matmul_integer", kMatMulIntegerOp, {a, b}, AttrMap());
}

// MatMulInteger(A, B, a_zero_point, b_zero_point) -> int32; a's zero point
// may be per row (along A's dim -2), b's per column (B's last dim).
absl::Status ConvertMatMulInteger(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId a, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId b, ctx.RequiredInput(1));
  KILN_ASSIGN_OR_RETURN(a, Centered(ctx, "a", a, 2, static_cast<int>(ctx.DescOf(a).rank()) - 2));
  KILN_ASSIGN_OR_RETURN(b, Centered(ctx, "b", b, 3, static_cast<int>(ctx.DescOf(b).rank()) - 1));
  KILN_ASSIGN_OR_RETURN(TensorId y, IntegerMatMul(ctx, a, b));
  return ctx.SetOutput(0, y);
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp).
absl::Status ConvertQLinearMatMul(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId a, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId b, ctx.RequiredInput(3));
  KILN_ASSIGN_OR_RETURN(a, Centered(ctx, "a", a, 2, static_cast<int>(ctx.DescOf(a).rank()) - 2));
  KILN_ASSIGN_OR_RETURN(b, Centered(ctx, "b", b, 5, static_cast<int>(ctx.DescOf(b).rank()) - 1));
  KILN_ASSIGN_OR_RETURN(TensorId acc, IntegerMatMul(ctx, a, b));
  return Requantize(ctx, acc, 1, 4, static_cast<int>(ctx.DescOf(acc).rank()) - 1, 6, 7);
}

}  // namespace

KILN_REGISTER_ONNX_CONVERTER("GridSample", ConvertGridSample);
KILN_REGISTER_ONNX_CONVERTER("MaxUnpool", ConvertMaxUnpool);

KILN_REGISTER_ONNX_CONVERTER("MeanVarianceNormalization", ConvertMeanVarianceNormalization);
KILN_REGISTER_ONNX_CONVERTER("LpNormalization", ConvertLpNormalization);
KILN_REGISTER_ONNX_CONVERTER("LpPool", ConvertLpPool);
KILN_REGISTER_ONNX_CONVERTER("GlobalLpPool", ConvertLpPool);
KILN_REGISTER_ONNX_CONVERTER("Resize", ConvertResize);
KILN_REGISTER_ONNX_CONVERTER("Upsample", ConvertResize);
KILN_REGISTER_ONNX_CONVERTER("Conv", ConvertConv);
KILN_REGISTER_ONNX_CONVERTER("ConvTranspose", ConvertConvTranspose);
KILN_REGISTER_ONNX_CONVERTER("MaxPool", PoolConverter(PoolingType::kMax));
KILN_REGISTER_ONNX_CONVERTER("AveragePool", PoolConverter(PoolingType::kAverage));
KILN_REGISTER_ONNX_CONVERTER("GlobalAveragePool", GlobalPoolConverter(ReduceOp::kMean));
KILN_REGISTER_ONNX_CONVERTER("GlobalMaxPool", GlobalPoolConverter(ReduceOp::kMax));
KILN_REGISTER_ONNX_CONVERTER("BatchNormalization", ConvertBatchNormalization);
KILN_REGISTER_ONNX_CONVERTER("InstanceNormalization", ConvertInstanceNormalization);
KILN_REGISTER_ONNX_CONVERTER("LayerNormalization", ConvertLayerNormalization);
KILN_REGISTER_ONNX_CONVERTER("LRN", ConvertLrn);
KILN_REGISTER_ONNX_CONVERTER("Dropout", ConvertDropout);
KILN_REGISTER_ONNX_CONVERTER("ConvInteger", ConvertConvInteger);
KILN_REGISTER_ONNX_CONVERTER("MatMulInteger", ConvertMatMulInteger);
KILN_REGISTER_ONNX_CONVERTER("QLinearConv", ConvertQLinearConv);
KILN_REGISTER_ONNX_CONVERTER("QLinearMatMul", ConvertQLinearMatMul);

}  // namespace onnx_import
}  // namespace kiln
