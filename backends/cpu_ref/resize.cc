// cpu_ref Resize: for every output element, the tensor product of the
// per-axis interpolation taps, computed exactly as ONNX's reference
// (onnx/reference/ops/op_resize.py) computes them, in double.
#include <algorithm>
#include <cmath>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/resize.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Antialiased kernels widen with the downscaling factor; this bounds them
// (linear down to scale 1/32, cubic to 1/16) so the taps live on the stack.
constexpr int kMaxTaps = 64;

// The input positions one output index of one axis reads, and their weights.
struct Taps {
  int count = 1;
  bool extrapolated = false;  // tf_crop_and_resize: outside the input
  int64_t index[kMaxTaps];
  double weight[kMaxTaps];
};

enum class Mode { kNearest, kLinear, kCubic };
enum class Transform {
  kHalfPixel, kHalfPixelSymmetric, kPytorchHalfPixel, kAlignCorners, kAsymmetric,
  kTfCropAndResize, kTfHalfPixelForNn,
};
enum class Rounding { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

Transform ParseTransform(const std::string& name) {
  if (name == "half_pixel_symmetric") return Transform::kHalfPixelSymmetric;
  if (name == "pytorch_half_pixel") return Transform::kPytorchHalfPixel;
  if (name == "align_corners") return Transform::kAlignCorners;
  if (name == "asymmetric") return Transform::kAsymmetric;
  if (name == "tf_crop_and_resize") return Transform::kTfCropAndResize;
  if (name == "tf_half_pixel_for_nn") return Transform::kTfHalfPixelForNn;
  return Transform::kHalfPixel;  // FromAttrs accepted nothing else
}

Rounding ParseRounding(const std::string& name) {
  if (name == "round_prefer_ceil") return Rounding::kRoundPreferCeil;
  if (name == "floor") return Rounding::kFloor;
  if (name == "ceil") return Rounding::kCeil;
  return Rounding::kRoundPreferFloor;
}

// Number of taps of the kernel for `scale` (only antialias depends on it).
int TapCount(Mode mode, bool antialias, double scale) {
  if (mode == Mode::kNearest) return 2;
  if (!antialias) return mode == Mode::kLinear ? 2 : 4;
  const double s = std::min(scale, 1.0);
  const double support = mode == Mode::kLinear ? 1.0 : 2.0;
  const int64_t start = static_cast<int64_t>(std::floor(-support / s)) + 1;
  return static_cast<int>(std::min<int64_t>(2 - 2 * start, kMaxTaps + 1));
}

// math.isclose with its default tolerances (as PlanResize decides `resized`).
bool IsClose(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

double CubicKernel(double x, double a) {  // Keys' cubic convolution kernel
  x = std::fabs(x);
  if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

class ResizeKernel : public Fp32Kernel {
 public:
  ResizeKernel(ResizeParams params, std::vector<ResizeAxis> plan)
      : params_(std::move(params)), plan_(std::move(plan)) {
    mode_ = params_.mode == "nearest" ? Mode::kNearest
            : params_.mode == "linear" ? Mode::kLinear
                                       : Mode::kCubic;
    transform_ = ParseTransform(params_.coordinate_transformation_mode);
    rounding_ = ParseRounding(params_.nearest_mode);
    const int64_t rank = static_cast<int64_t>(plan_.size());
    for (int64_t a : params_.axes) axes_.push_back(a < 0 ? a + rank : a);
    if (params_.axes.empty()) {
      for (int64_t d = 0; d < rank; ++d) axes_.push_back(d);
    }
  }

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    // The plan was made at the build shape; the sizes of every axis come
    // from the descs of the shape being run, and with `sizes` so do the scales.
    const Dims& in_dims = args.input_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(in_dims.size());
    absl::InlinedVector<ResizeAxis, 8> plan(plan_.begin(), plan_.end());
    for (int64_t d = 0; d < rank; ++d) {
      plan[d].in_size = in_dims[d];
      plan[d].out_size = args.output_descs[0].dims[d];
    }
    if (params_.scales.empty()) RescaleToSizes(plan);
    SmallDims in_strides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d) in_strides[d] = in_strides[d + 1] * in_dims[d + 1];
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    const int64_t volume = args.output_descs[0].volume();

    absl::InlinedVector<Taps, 8> taps(rank);
    SmallDims out_index(rank, 0);
    for (int64_t d = 0; d < rank; ++d) ComputeTaps(plan[d], 0, taps[d]);
    for (int64_t i = 0; i < volume; ++i) {
      out[i] = static_cast<float>(Interpolate(in, in_strides, taps));
      // Advance the output odometer; recompute the taps of the axes that moved.
      for (int64_t d = rank - 1; d >= 0; --d) {
        const bool carry = ++out_index[d] == plan[d].out_size;
        if (carry) out_index[d] = 0;
        ComputeTaps(plan[d], out_index[d], taps[d]);
        if (!carry) break;
      }
    }
    return absl::OkStatus();
  }

 private:
  // With `sizes`, the scale of a named axis is its size over the input's (or
  // one scale for all under keep_aspect_ratio_policy not_larger/not_smaller),
  // so it changes with the input dims: PlanResize's rule, redone per run.
  void RescaleToSizes(absl::InlinedVector<ResizeAxis, 8>& plan) const {
    const bool stretch = params_.keep_aspect_ratio_policy == "stretch";
    const bool not_larger = params_.keep_aspect_ratio_policy == "not_larger";
    double shared = 0.0;
    for (size_t i = 0; i < axes_.size(); ++i) {
      const double s = static_cast<double>(params_.sizes[i]) / plan[axes_[i]].in_size;
      shared = i == 0 ? s : (not_larger ? std::min(shared, s) : std::max(shared, s));
    }
    const bool crop = transform_ == Transform::kTfCropAndResize;
    for (size_t i = 0; i < axes_.size(); ++i) {
      ResizeAxis& a = plan[axes_[i]];
      a.scale = stretch ? static_cast<double>(a.out_size) / static_cast<double>(a.in_size)
                        : shared;
      a.resized = !(IsClose(a.scale, 1.0) && a.out_size == a.in_size &&
                    (!crop || (IsClose(a.roi_start, 0.0) && IsClose(a.roi_end, 1.0))));
    }
  }

  // Sum over every combination of one tap per axis of weight product * input.
  double Interpolate(const float* in, const SmallDims& in_strides,
                     const absl::InlinedVector<Taps, 8>& taps) const {
    const size_t rank = taps.size();
    for (const Taps& t : taps) {
      if (t.extrapolated) return params_.extrapolation_value;
    }
    SmallDims tap(rank, 0);
    double sum = 0.0;
    while (true) {
      double weight = 1.0;
      int64_t offset = 0;
      for (size_t d = 0; d < rank; ++d) {
        weight *= taps[d].weight[tap[d]];
        offset += taps[d].index[tap[d]] * in_strides[d];
      }
      if (weight != 0.0) sum += weight * in[offset];
      size_t d = rank;
      while (d > 0 && ++tap[d - 1] == taps[d - 1].count) tap[--d] = 0;
      if (d == 0) break;
    }
    return sum;
  }

  // The source coordinate of output index `y` (ONNX's _compute_x_ori).
  double SourceCoordinate(const ResizeAxis& a, double y) const {
    const double in_size = static_cast<double>(a.in_size);
    const double out_width = a.scale * in_size;  // not rounded, as ONNX's reference
    switch (transform_) {
      case Transform::kAlignCorners:
        return out_width == 1.0 ? 0.0 : y * (in_size - 1) / (out_width - 1);
      case Transform::kAsymmetric:
        return y / a.scale;
      case Transform::kTfHalfPixelForNn:
        return (y + 0.5) / a.scale;
      case Transform::kTfCropAndResize: {
        const double span = (a.roi_end - a.roi_start) * (in_size - 1);
        const double x = out_width == 1.0 ? span / 2 : y * span / (out_width - 1);
        return x + a.roi_start * (in_size - 1);
      }
      case Transform::kPytorchHalfPixel:
        return out_width == 1.0 ? -0.5 : (y + 0.5) / a.scale - 0.5;
      case Transform::kHalfPixelSymmetric: {
        const double adjustment = static_cast<double>(a.out_size) / out_width;
        const double offset = in_size / 2 * (1 - adjustment);
        return offset + (y + 0.5) / a.scale - 0.5;
      }
      case Transform::kHalfPixel:
        break;
    }
    return (y + 0.5) / a.scale - 0.5;
  }

  // Weights of the taps at distances (start + k - ratio) from x, where ratio
  // is in (0, 1] (1 when x is an integer: ONNX prefers the left pixel).
  void Coefficients(double ratio, double scale, int n, double* w) const {
    if (mode_ == Mode::kNearest) {
      bool right;
      if (ratio == 1.0) {
        right = true;
      } else if (rounding_ == Rounding::kRoundPreferFloor) {
        right = ratio > 0.5;
      } else if (rounding_ == Rounding::kRoundPreferCeil) {
        right = ratio >= 0.5;
      } else {
        right = rounding_ == Rounding::kCeil;
      }
      w[0] = right ? 0.0 : 1.0;
      w[1] = right ? 1.0 : 0.0;
      return;
    }
    const double a = params_.cubic_coeff_a;
    if (!params_.antialias) {
      if (mode_ == Mode::kLinear) {
        w[0] = 1 - ratio;
        w[1] = ratio;
      } else {
        for (int k = 0; k < 4; ++k) w[k] = CubicKernel(k - 1 - ratio, a);
      }
      return;
    }
    // Antialias: the kernel stretched by 1/scale when downsampling, normalized.
    const double s = std::min(scale, 1.0);
    const int start = 1 - n / 2;
    double total = 0.0;
    for (int k = 0; k < n; ++k) {
      const double x = (start + k - ratio) * s;
      w[k] = mode_ == Mode::kLinear ? std::clamp(1.0 - std::fabs(x), 0.0, 1.0)
                                    : CubicKernel(x, a);
      total += w[k];
    }
    for (int k = 0; k < n; ++k) w[k] /= total;
  }

  void ComputeTaps(const ResizeAxis& a, int64_t y, Taps& t) const {
    if (!a.resized) {
      t.count = 1;
      t.extrapolated = false;
      t.index[0] = y;
      t.weight[0] = 1.0;
      return;
    }
    const double x = SourceCoordinate(a, static_cast<double>(y));
    t.extrapolated = transform_ == Transform::kTfCropAndResize &&
                     (x < 0 || x > static_cast<double>(a.in_size - 1));
    const double x_floor = std::floor(x);
    const bool integral = x == x_floor;
    const double ratio = integral ? 1.0 : x - x_floor;
    const int n = TapCount(mode_, params_.antialias, a.scale);
    t.count = n;
    Coefficients(ratio, a.scale, n, t.weight);
    // ONNX's reference picks the taps around x + n/2 in an edge-padded copy
    // of the axis; that sum can round onto an integer when x itself is not
    // (x = 3 + 4e-16), which shifts the window. Computing it the same way
    // keeps nearest mode bit-identical to the reference in those cases.
    const double x_padded = x + n / 2;
    const double padded_floor = std::floor(x_padded);
    const int64_t first = static_cast<int64_t>(padded_floor) - n / 2 - n / 2 +
                          (x_padded == padded_floor ? 0 : 1);
    double total = 0.0;
    for (int k = 0; k < n; ++k) {
      const int64_t index = first + k;
      if (params_.exclude_outside && (index < 0 || index >= a.in_size)) t.weight[k] = 0.0;
      total += t.weight[k];
      t.index[k] = std::clamp<int64_t>(index, 0, a.in_size - 1);  // edge padding
    }
    if (params_.exclude_outside && total != 0.0) {
      for (int k = 0; k < n; ++k) t.weight[k] /= total;
    }
  }

  ResizeParams params_;
  std::vector<ResizeAxis> plan_;
  std::vector<int64_t> axes_;  // the axes `scales` or `sizes` name, non-negative
  Mode mode_;
  Transform transform_;
  Rounding rounding_;
};

class ResizeTactic : public Fp32Tactic {
 public:
  ResizeTactic()
      : Fp32Tactic("cpu_ref.resize.direct", kResizeOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    KILN_ASSIGN_OR_RETURN(ResizeParams params, ResizeParams::FromAttrs(node.attrs));
    const Mode mode = params.mode == "linear" ? Mode::kLinear
                      : params.mode == "cubic" ? Mode::kCubic
                                               : Mode::kNearest;
    // With `sizes` the scales follow the input dims, smallest (most taps) at
    // the largest input: check at the build shape and the profiles' max.
    std::vector<Dims> shapes = {node.inputs[0].dims};
    if (!node.input_max.empty()) shapes.push_back(node.input_max[0]);
    for (const Dims& dims : shapes) {
      KILN_ASSIGN_OR_RETURN(std::vector<ResizeAxis> plan, PlanResize(params, dims));
      for (size_t d = 0; d < plan.size(); ++d) {
        if (plan[d].resized && TapCount(mode, params.antialias, plan[d].scale) > kMaxTaps) {
          return absl::UnimplementedError(absl::StrCat(
              "antialiased ", params.mode, " downscaling of axis ", d, " by ", plan[d].scale,
              " needs more than ", kMaxTaps, " taps; this tactic supports at most that"));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ResizeParams params, ResizeParams::FromAttrs(node.attrs));
    KILN_ASSIGN_OR_RETURN(std::vector<ResizeAxis> plan, PlanResize(params, node.inputs[0].dims));
    return std::unique_ptr<Kernel>(
        std::make_unique<ResizeKernel>(std::move(params), std::move(plan)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ResizeTactic>());

}  // namespace cpu_ref
}  // namespace kiln
