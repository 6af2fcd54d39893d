// ONNX ops whose output shape depends on input values or only on shapes,
// computed at import from constant inputs: EyeLike, NonZero, Compress (its
// condition), and the window generators HannWindow, HammingWindow,
// BlackmanWindow, and MelWeightMatrix. Also QuantizeLinear / DequantizeLinear /
// DynamicQuantizeLinear, composed of kiln's float ops.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/activation.h"
#include "ops/cast.h"
#include "ops/element_wise.h"
#include "ops/gather.h"
#include "ops/reduce.h"
#include "ops/unary.h"

namespace kiln {
namespace onnx_import {
namespace {

Weights Int64Weights(const std::vector<int64_t>& values, Dims dims) {
  Weights w(DataType::kInt64, std::move(dims));
  for (size_t i = 0; i < values.size(); ++i) w.mutable_as<int64_t>()[i] = values[i];
  return w;
}

// EyeLike: ones on diagonal k of a 2-D tensor shaped like the input.
absl::Status ConvertEyeLike(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  const TensorDesc desc = ctx.DescOf(x);
  if (desc.rank() != 2) return ctx.Error("needs a 2-D input; got ", DimsString(desc.dims));
  DataType type = desc.dtype;
  if (ctx.HasAttr("dtype")) {
    KILN_ASSIGN_OR_RETURN(int64_t dtype, ctx.AttrInt("dtype", 0));
    absl::StatusOr<DataType> t = OnnxElemTypeToKiln(static_cast<int>(dtype));
    if (!t.ok()) return ctx.Unsupported("dtype: ", t.status().message());
    type = *t;
  }
  KILN_ASSIGN_OR_RETURN(int64_t k, ctx.AttrInt("k", 0));
  const int64_t rows = desc.dims[0], cols = desc.dims[1];
  Weights eye(type, desc.dims);
  const size_t size = DataTypeSize(type);
  const Weights one = ScalarWeights(type, 1.0);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = r + k;
    if (c < 0 || c >= cols) continue;
    std::memcpy(static_cast<uint8_t*>(eye.mutable_data()) + (r * cols + c) * size, one.data(),
                size);
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddConstant("", std::move(eye)));
  return ctx.SetOutput(0, y);
}

// NonZero: int64 (rank, count) coordinates of the non-zero elements, in
// row-major order; the input must be a constant.
absl::Status ConvertNonZero(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(std::vector<float> values, ctx.ConstantFloats(0));
  const Dims dims = ctx.desc(0).dims;
  std::vector<int64_t> hits;
  for (int64_t i = 0; i < static_cast<int64_t>(values.size()); ++i) {
    if (values[i] != 0.0f) hits.push_back(i);
  }
  const int64_t rank = static_cast<int64_t>(dims.size());
  const int64_t count = static_cast<int64_t>(hits.size());
  std::vector<int64_t> coords(rank * count);
  for (int64_t j = 0; j < count; ++j) {
    int64_t rest = hits[j];
    for (int64_t d = rank - 1; d >= 0; --d) {
      coords[d * count + j] = rest % dims[d];
      rest /= dims[d];
    }
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddConstant("", Int64Weights(coords, {rank, count})));
  return ctx.SetOutput(0, y);
}

// Compress: a Gather of the positions where the (constant) condition is
// true, along `axis`, or of the flattened input without one.
absl::Status ConvertCompress(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(std::vector<int64_t> condition, ctx.ConstantInts(1));
  const Dims dims = ctx.DescOf(x).dims;
  int64_t axis = 0;
  if (ctx.HasAttr("axis")) {
    KILN_ASSIGN_OR_RETURN(int64_t a, ctx.AttrInt("axis", 0));
    KILN_ASSIGN_OR_RETURN(axis, NormalizeAxis(ctx, a, static_cast<int64_t>(dims.size())));
  } else {
    KILN_ASSIGN_OR_RETURN(x, ReshapeTo(ctx, "flat", x, {Volume(dims)}));
  }
  const int64_t extent = ctx.DescOf(x).dims[axis];
  if (static_cast<int64_t>(condition.size()) > extent) {
    return ctx.Error("condition has ", condition.size(), " entries for an axis of ", extent);
  }
  std::vector<int64_t> picked;
  for (size_t i = 0; i < condition.size(); ++i) {
    if (condition[i] != 0) picked.push_back(static_cast<int64_t>(i));
  }
  KILN_ASSIGN_OR_RETURN(TensorId indices,
                        ctx.AddConstant("indices", Int64Weights(picked, {static_cast<int64_t>(picked.size())})));
  GatherParams params;
  params.axis = axis;
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kGatherOp, {x, indices}, params.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// Hann, Hamming and Blackman windows of a constant size: sum_k a_k cos(2 pi k n / N)
// with N = size (periodic) or size - 1 (symmetric).
OnnxConverter WindowConverter(std::vector<double> coefficients) {
  return [coefficients](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(float size_f, ctx.ConstantScalar(0));
    const int64_t size = static_cast<int64_t>(size_f);
    if (size < 0) return ctx.Error("size ", size, " is negative");
    KILN_ASSIGN_OR_RETURN(int64_t periodic, ctx.AttrInt("periodic", 1));
    KILN_ASSIGN_OR_RETURN(int64_t out_type, ctx.AttrInt("output_datatype", 1));
    absl::StatusOr<DataType> type = OnnxElemTypeToKiln(static_cast<int>(out_type));
    if (!type.ok()) return ctx.Unsupported("output_datatype: ", type.status().message());
    const double n_total = static_cast<double>(periodic != 0 ? size : size - 1);
    const double pi = 3.14159265358979323846;
    Weights out(*type, {size});
    const size_t elem = DataTypeSize(*type);
    for (int64_t n = 0; n < size; ++n) {
      double v = 0.0;
      for (size_t k = 0; k < coefficients.size(); ++k) {
        v += coefficients[k] * std::cos(2.0 * pi * static_cast<double>(k * n) / n_total);
      }
      const Weights w = ScalarWeights(*type, v);
      std::memcpy(static_cast<uint8_t*>(out.mutable_data()) + n * elem, w.data(), elem);
    }
    KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddConstant("", std::move(out)));
    return ctx.SetOutput(0, y);
  };
}

// MelWeightMatrix of constant inputs: (dft_length / 2 + 1, num_mel_bins)
// triangular filters, computed as ONNX's reference does: num_mel_bins + 2
// points spaced evenly in mel between the edges (step = range /
// (num_mel_bins + 2)), mapped back to Hz and to spectrogram bins
// floor((dft_length + 1) * hz / sample_rate).
absl::Status ConvertMelWeightMatrix(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(float mel_bins_f, ctx.ConstantScalar(0));
  KILN_ASSIGN_OR_RETURN(float dft_length_f, ctx.ConstantScalar(1));
  KILN_ASSIGN_OR_RETURN(float sample_rate_f, ctx.ConstantScalar(2));
  KILN_ASSIGN_OR_RETURN(float lower_hz, ctx.ConstantScalar(3));
  KILN_ASSIGN_OR_RETURN(float upper_hz, ctx.ConstantScalar(4));
  const int64_t mel_bins = static_cast<int64_t>(mel_bins_f);
  const int64_t dft_length = static_cast<int64_t>(dft_length_f);
  const int64_t sample_rate = static_cast<int64_t>(sample_rate_f);
  if (mel_bins <= 0 || dft_length <= 0 || sample_rate <= 0) {
    return ctx.Error("num_mel_bins (", mel_bins, "), dft_length (", dft_length,
                     ") and sample_rate (", sample_rate, ") must be positive");
  }
  KILN_ASSIGN_OR_RETURN(int64_t out_type, ctx.AttrInt("output_datatype", 1));
  absl::StatusOr<DataType> type = OnnxElemTypeToKiln(static_cast<int>(out_type));
  if (!type.ok()) return ctx.Unsupported("output_datatype: ", type.status().message());
  const int64_t spectrogram_bins = dft_length / 2 + 1;
  const auto to_mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  const double low_mel = to_mel(lower_hz), high_mel = to_mel(upper_hz);
  const double step = (high_mel - low_mel) / static_cast<double>(mel_bins + 2);
  std::vector<int64_t> bins(mel_bins + 2);
  for (int64_t i = 0; i < mel_bins + 2; ++i) {
    const double hz = 700.0 * (std::pow(10.0, (i * step + low_mel) / 2595.0) - 1.0);
    bins[i] = static_cast<int64_t>(std::floor(static_cast<double>(dft_length + 1) * hz /
                                              static_cast<double>(sample_rate)));
    if (bins[i] < 0 || bins[i] >= spectrogram_bins) {
      return ctx.Error("edge ", hz, " Hz falls outside the ", spectrogram_bins,
                       " spectrogram bins; check the edges against sample_rate");
    }
  }
  std::vector<double> m(spectrogram_bins * mel_bins, 0.0);
  for (int64_t i = 0; i < mel_bins; ++i) {
    const int64_t left = bins[i], center = bins[i + 1], right = bins[i + 2];
    if (center == left) {
      m[center * mel_bins + i] = 1.0;
    } else {
      for (int64_t j = left; j <= center; ++j) {
        m[j * mel_bins + i] = static_cast<double>(j - left) / static_cast<double>(center - left);
      }
    }
    for (int64_t j = center; j < right; ++j) {
      m[j * mel_bins + i] = static_cast<double>(right - j) / static_cast<double>(right - center);
    }
  }
  Weights out(*type, {spectrogram_bins, mel_bins});
  const size_t elem = DataTypeSize(*type);
  for (size_t n = 0; n < m.size(); ++n) {
    const Weights w = ScalarWeights(*type, m[n]);
    std::memcpy(static_cast<uint8_t*>(out.mutable_data()) + n * elem, w.data(), elem);
  }
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddConstant("", std::move(out)));
  return ctx.SetOutput(0, y);
}

absl::StatusOr<TensorId> Binary(ImportContext& ctx, absl::string_view suffix, TensorId a,
                                TensorId b, ElementWiseOp op) {
  return ctx.AddLayer1(suffix, kElementWiseOp, {a, b}, ElementWiseParams{op}.ToAttrs());
}

absl::StatusOr<TensorId> ToFloat(ImportContext& ctx, absl::string_view suffix, TensorId t) {
  if (ctx.DescOf(t).dtype == DataType::kFloat32) return t;
  return ctx.AddLayer1(suffix, kCastOp, {t}, CastParams{DataType::kFloat32}.ToAttrs());
}

// A per-axis scale or zero point (1-D, one per entry of x's `axis`) reshaped
// to broadcast against x; scalars pass through.
absl::StatusOr<TensorId> AlongAxis(ImportContext& ctx, absl::string_view suffix, TensorId t,
                                   const Dims& x_dims) {
  const Dims d = ctx.DescOf(t).dims;
  if (Volume(d) == 1 && d.size() <= 1) return t;
  if (d.size() != 1) return ctx.Unsupported("blocked quantization (", DimsString(d), ") is not supported");
  KILN_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.AttrInt("axis", 1));
  KILN_ASSIGN_OR_RETURN(int64_t axis,
                        NormalizeAxis(ctx, axis_attr, static_cast<int64_t>(x_dims.size())));
  Dims shape(x_dims.size(), 1);
  shape[axis] = d[0];
  return ReshapeTo(ctx, suffix, t, shape);
}

// y = saturate(round_half_even(x / scale) + zero_point). kiln reads uint8 as
// int32, so an int32 zero point stands for uint8 (QuantizeLinear's only
// types before opset 19 are uint8 and int8).
absl::Status ConvertQuantizeLinear(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId scale, ctx.RequiredInput(1));
  const Dims x_dims = ctx.DescOf(x).dims;
  DataType out_type = DataType::kInt32;  // uint8, the default
  if (ctx.has_input(2)) out_type = ctx.desc(2).dtype;
  if (out_type != DataType::kInt8 && !(out_type == DataType::kInt32 && ctx.opset() < 19)) {
    return ctx.Unsupported("quantizing to ", DataTypeName(out_type),
                           " is not supported (uint8 and int8 are)");
  }
  KILN_ASSIGN_OR_RETURN(x, ToFloat(ctx, "x_f32", x));
  KILN_ASSIGN_OR_RETURN(scale, ToFloat(ctx, "scale_f32", scale));
  KILN_ASSIGN_OR_RETURN(scale, AlongAxis(ctx, "scale_axis", scale, x_dims));
  KILN_ASSIGN_OR_RETURN(TensorId q, Binary(ctx, "scaled", x, scale, ElementWiseOp::kDiv));
  KILN_ASSIGN_OR_RETURN(q, ctx.AddLayer1("rounded", kUnaryOp, {q},
                                         UnaryParams{UnaryOp::kRound}.ToAttrs()));
  if (ctx.has_input(2)) {
    KILN_ASSIGN_OR_RETURN(TensorId zp, ToFloat(ctx, "zero_point_f32", ctx.input(2)));
    KILN_ASSIGN_OR_RETURN(zp, AlongAxis(ctx, "zero_point_axis", zp, x_dims));
    KILN_ASSIGN_OR_RETURN(q, Binary(ctx, "shifted", q, zp, ElementWiseOp::kSum));
  }
  ActivationParams clip;
  clip.type = ActivationType::kClip;
  clip.alpha = out_type == DataType::kInt8 ? -128.0f : 0.0f;
  clip.beta = out_type == DataType::kInt8 ? 127.0f : 255.0f;
  KILN_ASSIGN_OR_RETURN(q, ctx.AddLayer1("saturated", kActivationOp, {q}, clip.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kCastOp, {q}, CastParams{out_type}.ToAttrs()));
  return ctx.SetOutput(0, y);
}

// y = (x - zero_point) * scale, in fp32.
absl::Status ConvertDequantizeLinear(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId scale, ctx.RequiredInput(1));
  const Dims x_dims = ctx.DescOf(x).dims;
  KILN_ASSIGN_OR_RETURN(TensorId v, ToFloat(ctx, "x_f32", x));
  if (ctx.has_input(2)) {
    KILN_ASSIGN_OR_RETURN(TensorId zp, ToFloat(ctx, "zero_point_f32", ctx.input(2)));
    KILN_ASSIGN_OR_RETURN(zp, AlongAxis(ctx, "zero_point_axis", zp, x_dims));
    KILN_ASSIGN_OR_RETURN(v, Binary(ctx, "centered", v, zp, ElementWiseOp::kSub));
  }
  KILN_ASSIGN_OR_RETURN(scale, AlongAxis(ctx, "scale_axis", scale, x_dims));
  KILN_ASSIGN_OR_RETURN(TensorId y, Binary(ctx, "", v, scale, ElementWiseOp::kProd));
  return ctx.SetOutput(0, y);
}

// DynamicQuantizeLinear as ONNX's function body: the range [min(x, 0),
// max(x, 0)] maps onto uint8 (read as int32 by kiln).
absl::Status ConvertDynamicQuantizeLinear(ImportContext& ctx) {
  KILN_ASSIGN_OR_RETURN(TensorId x, ctx.RequiredInput(0));
  KILN_ASSIGN_OR_RETURN(TensorId zero, ctx.AddConstant("zero", ScalarWeights(DataType::kFloat32, 0)));
  KILN_ASSIGN_OR_RETURN(TensorId q_max, ctx.AddConstant("qmax", ScalarWeights(DataType::kFloat32, 255)));
  ReduceParams reduce;
  reduce.keep_dims = false;
  reduce.op = ReduceOp::kMin;
  KILN_ASSIGN_OR_RETURN(TensorId x_min, ctx.AddLayer1("min", kReduceOp, {x}, reduce.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(x_min, Binary(ctx, "min0", x_min, zero, ElementWiseOp::kMin));
  reduce.op = ReduceOp::kMax;
  KILN_ASSIGN_OR_RETURN(TensorId x_max, ctx.AddLayer1("max", kReduceOp, {x}, reduce.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(x_max, Binary(ctx, "max0", x_max, zero, ElementWiseOp::kMax));
  KILN_ASSIGN_OR_RETURN(TensorId range, Binary(ctx, "range", x_max, x_min, ElementWiseOp::kSub));
  KILN_ASSIGN_OR_RETURN(TensorId scale, Binary(ctx, "scale", range, q_max, ElementWiseOp::kDiv));
  ActivationParams clip;
  clip.type = ActivationType::kClip;
  clip.alpha = 0.0f;
  clip.beta = 255.0f;
  UnaryParams round{UnaryOp::kRound};
  KILN_ASSIGN_OR_RETURN(TensorId zp, Binary(ctx, "min_scaled", x_min, scale, ElementWiseOp::kDiv));
  KILN_ASSIGN_OR_RETURN(zp, Binary(ctx, "neg_min_scaled", zero, zp, ElementWiseOp::kSub));
  KILN_ASSIGN_OR_RETURN(zp, ctx.AddLayer1("zp_clipped", kActivationOp, {zp}, clip.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(zp, ctx.AddLayer1("zp_rounded", kUnaryOp, {zp}, round.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(TensorId q, Binary(ctx, "scaled", x, scale, ElementWiseOp::kDiv));
  KILN_ASSIGN_OR_RETURN(q, ctx.AddLayer1("rounded", kUnaryOp, {q}, round.ToAttrs()));
  KILN_ASSIGN_OR_RETURN(q, Binary(ctx, "shifted", q, zp, ElementWiseOp::kSum));
  KILN_ASSIGN_OR_RETURN(q, ctx.AddLayer1("saturated", kActivationOp, {q}, clip.ToAttrs()));
  const AttrMap to_u8 = CastParams{DataType::kInt32}.ToAttrs();
  KILN_ASSIGN_OR_RETURN(TensorId y, ctx.AddLayer1("", kCastOp, {q}, to_u8));
  KILN_ASSIGN_OR_RETURN(TensorId y_zp, ctx.AddLayer1("zero_point", kCastOp, {zp}, to_u8));
  KILN_RETURN_IF_ERROR(ctx.SetOutput(0, y));
  KILN_RETURN_IF_ERROR(ctx.SetOutput(1, scale));
  return ctx.SetOutput(2, y_zp);
}

}  // namespace

KILN_REGISTER_ONNX_CONVERTER("DynamicQuantizeLinear", ConvertDynamicQuantizeLinear);
KILN_REGISTER_ONNX_CONVERTER("EyeLike", ConvertEyeLike);
KILN_REGISTER_ONNX_CONVERTER("NonZero", ConvertNonZero);
KILN_REGISTER_ONNX_CONVERTER("Compress", ConvertCompress);
KILN_REGISTER_ONNX_CONVERTER("HannWindow", WindowConverter({0.5, -0.5}));
KILN_REGISTER_ONNX_CONVERTER("HammingWindow", WindowConverter({25.0 / 46.0, -21.0 / 46.0}));
KILN_REGISTER_ONNX_CONVERTER("BlackmanWindow", WindowConverter({0.42, -0.5, 0.08}));
KILN_REGISTER_ONNX_CONVERTER("QuantizeLinear", ConvertQuantizeLinear);
KILN_REGISTER_ONNX_CONVERTER("DequantizeLinear", ConvertDequantizeLinear);
KILN_REGISTER_ONNX_CONVERTER("MelWeightMatrix", ConvertMelWeightMatrix);

}  // namespace onnx_import
}  // namespace kiln
