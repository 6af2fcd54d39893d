// ONNX neural-network ops: Conv, ConvTranspose, MaxPool, AveragePool,
// GlobalAveragePool, GlobalMaxPool, BatchNormalization, InstanceNormalization,
// LayerNormalization, LRN, Dropout, MeanVarianceNormalization, LpNormalization,
// LpPool, GlobalLpPool, Resize, Upsample, GridSample, MaxUnpool.
//
// kiln's windowed ops are 2-D (NCHW); 1-D ONNX forms (N, C, W) run as
// (N, C, 1, W) between two reshapes.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/convolution.h"
#include "ops/deconvolution.h"
#include "ops/element_wise.h"
#include "ops/grid_sample.h"
#include "ops/instance_normalization.h"
#include "ops/layer_normalization.h"
#include "ops/lp_normalization.h"
#include "ops/lp_pool.h"
#include "ops/lrn.h"
#include "ops/max_unpool.h"
#include "ops/mean_variance_normalization.h"
#include "ops/pooling.h"
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

absl::Status ConvertConvTranspose(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId weight, ctx.RequiredInput(1));
  const int spatial = static_cast<int>(ctx.DescOf(x).rank()) - 2;
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

OnnxConverter PoolConverter(PoolingType type) {
  return [type](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
    if (ctx.has_output(1)) return ctx.Unsupported("the Indices output is not supported");
    const int spatial = static_cast<int>(ctx.DescOf(x).rank()) - 2;
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

}  // namespace onnx_import
}  // namespace kiln
