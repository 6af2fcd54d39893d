// Resize: one thread per output element. The taps of each resized axis are
// recomputed per element from cpu_ref's formulas (onnx's op_resize.py), in
// double; the source coordinate uses explicitly rounded operations so that
// floating-point contraction cannot shift a tap across an integer.
#include <cmath>

#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/kernels/spatial_device.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

using spatial::Blocks;
using spatial::GridStart;
using spatial::GridStep;
using spatial::kThreads;
using spatial::Load;
using spatial::Store;

enum Mode { kNearest = 0, kLinear, kCubic };
enum Transform {
  kHalfPixel = 0, kHalfPixelSymmetric, kPytorchHalfPixel, kAlignCorners, kAsymmetric,
  kTfCropAndResize, kTfHalfPixelForNn,
};
enum Rounding { kRoundPreferFloor = 0, kRoundPreferCeil, kFloor, kCeil };

__device__ double SourceCoordinate(const ResizeShape& s, int d, double y) {
  const double in_size = static_cast<double>(s.in_dims[d]);
  const double scale = s.scale[d];
  const double out_width = __dmul_rn(scale, in_size);  // not rounded, as ONNX's reference
  const double half_pixel = __ddiv_rn(__dadd_rn(y, 0.5), scale);
  switch (s.transform) {
    case kAlignCorners:
      return out_width == 1.0 ? 0.0
                              : __ddiv_rn(__dmul_rn(y, __dsub_rn(in_size, 1.0)),
                                          __dsub_rn(out_width, 1.0));
    case kAsymmetric:
      return __ddiv_rn(y, scale);
    case kTfHalfPixelForNn:
      return half_pixel;
    case kTfCropAndResize: {
      const double span =
          __dmul_rn(__dsub_rn(s.roi_end[d], s.roi_start[d]), __dsub_rn(in_size, 1.0));
      const double x = out_width == 1.0
                           ? __ddiv_rn(span, 2.0)
                           : __ddiv_rn(__dmul_rn(y, span), __dsub_rn(out_width, 1.0));
      return __dadd_rn(x, __dmul_rn(s.roi_start[d], __dsub_rn(in_size, 1.0)));
    }
    case kPytorchHalfPixel:
      return out_width == 1.0 ? -0.5 : __dsub_rn(half_pixel, 0.5);
    case kHalfPixelSymmetric: {
      const double adjustment = __ddiv_rn(static_cast<double>(s.out_dims[d]), out_width);
      const double offset = __dmul_rn(__ddiv_rn(in_size, 2.0), __dsub_rn(1.0, adjustment));
      return __dsub_rn(__dadd_rn(offset, half_pixel), 0.5);
    }
    default:
      return __dsub_rn(half_pixel, 0.5);
  }
}

__device__ double CubicKernel(double x, double a) {  // Keys' cubic convolution kernel
  x = fabs(x);
  if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

// Weights of the n taps at distances (start + k - ratio) from x.
__device__ void Coefficients(const ResizeShape& s, double ratio, double scale, int n,
                             double* w) {
  if (s.mode == kNearest) {
    bool right;
    if (ratio == 1.0) {
      right = true;
    } else if (s.rounding == kRoundPreferFloor) {
      right = ratio > 0.5;
    } else if (s.rounding == kRoundPreferCeil) {
      right = ratio >= 0.5;
    } else {
      right = s.rounding == kCeil;
    }
    w[0] = right ? 0.0 : 1.0;
    w[1] = right ? 1.0 : 0.0;
    return;
  }
  const double a = s.cubic_coeff_a;
  if (!s.antialias) {
    if (s.mode == kLinear) {
      w[0] = 1 - ratio;
      w[1] = ratio;
    } else {
      for (int k = 0; k < 4; ++k) w[k] = CubicKernel(k - 1 - ratio, a);
    }
    return;
  }
  // Antialias: the kernel stretched by 1/scale when downsampling, normalized.
  const double sc = scale < 1.0 ? scale : 1.0;
  const int start = 1 - n / 2;
  double total = 0.0;
  for (int k = 0; k < n; ++k) {
    const double x = (start + k - ratio) * sc;
    if (s.mode == kLinear) {
      const double v = 1.0 - fabs(x);
      w[k] = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
    } else {
      w[k] = CubicKernel(x, a);
    }
    total += w[k];
  }
  for (int k = 0; k < n; ++k) w[k] /= total;
}

// The taps of output index y along resized axis d; false when the element
// is extrapolated (tf_crop_and_resize outside the input).
__device__ bool ComputeTaps(const ResizeShape& s, int d, int64_t y, int64_t* index,
                            double* weight) {
  const double x = SourceCoordinate(s, d, static_cast<double>(y));
  const int64_t in_size = s.in_dims[d];
  if (s.transform == kTfCropAndResize && (x < 0 || x > static_cast<double>(in_size - 1))) {
    return false;
  }
  const double x_floor = floor(x);
  const double ratio = x == x_floor ? 1.0 : __dsub_rn(x, x_floor);
  const int n = s.taps[d];
  Coefficients(s, ratio, s.scale[d], n, weight);
  // As cpu_ref (and ONNX's reference): the window starts from x + n/2.
  const double x_padded = __dadd_rn(x, static_cast<double>(n / 2));
  const double padded_floor = floor(x_padded);
  const int64_t first = static_cast<int64_t>(padded_floor) - n / 2 - n / 2 +
                        (x_padded == padded_floor ? 0 : 1);
  double total = 0.0;
  for (int k = 0; k < n; ++k) {
    const int64_t i = first + k;
    if (s.exclude_outside && (i < 0 || i >= in_size)) weight[k] = 0.0;
    total += weight[k];
    index[k] = i < 0 ? 0 : i >= in_size ? in_size - 1 : i;  // edge padding
  }
  if (s.exclude_outside && total != 0.0) {
    for (int k = 0; k < n; ++k) weight[k] /= total;
  }
  return true;
}

template <typename T, int kTaps>
__global__ void ResizeKernel(ResizeShape s, int64_t n, const T* __restrict__ in,
                             T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    int64_t tap_index[kResizeMaxResizedAxes][kTaps];
    double tap_weight[kResizeMaxResizedAxes][kTaps];
    int tap_count[kResizeMaxResizedAxes], tap_axis[kResizeMaxResizedAxes];
    int64_t in_strides[kResizeMaxRank];
    int64_t stride = 1;
    for (int d = s.rank - 1; d >= 0; --d) {
      in_strides[d] = stride;
      stride *= s.in_dims[d];
    }
    // Unresized axes read their own index; resized ones get taps.
    int64_t base = 0, rest = i;
    int resized = 0;
    bool extrapolated = false;
    int64_t out_pos[kResizeMaxRank];
    for (int d = s.rank - 1; d >= 0; --d) {
      out_pos[d] = rest % s.out_dims[d];
      rest /= s.out_dims[d];
    }
    for (int d = 0; d < s.rank; ++d) {
      if (!s.resized[d]) {
        base += out_pos[d] * in_strides[d];
        continue;
      }
      if (!ComputeTaps(s, d, out_pos[d], tap_index[resized], tap_weight[resized])) {
        extrapolated = true;
      }
      tap_count[resized] = s.taps[d];
      tap_axis[resized] = d;
      ++resized;
    }
    if (extrapolated) {
      Store(out, i, s.extrapolation_value);
      continue;
    }
    // Sum over every combination of one tap per resized axis, in cpu_ref's
    // order (the last axis fastest), weights multiplied in axis order.
    int tap[kResizeMaxResizedAxes] = {};
    double sum = 0.0;
    while (true) {
      double weight = 1.0;
      int64_t offset = base;
      for (int r = 0; r < resized; ++r) {
        weight = __dmul_rn(weight, tap_weight[r][tap[r]]);
        offset += tap_index[r][tap[r]] * in_strides[tap_axis[r]];
      }
      if (weight != 0.0) {
        sum = __dadd_rn(sum, __dmul_rn(weight, static_cast<double>(Load(in, offset))));
      }
      int r = resized;
      while (r > 0 && ++tap[r - 1] == tap_count[r - 1]) tap[--r] = 0;
      if (r == 0) break;
    }
    Store(out, i, static_cast<float>(sum));
  }
}

template <typename T>
cudaError_t Launch(const ResizeShape& s, int64_t n, const void* in, void* out,
                   cudaStream_t stream) {
  int max_taps = 1;
  for (int d = 0; d < s.rank; ++d) {
    if (s.resized[d] && s.taps[d] > max_taps) max_taps = s.taps[d];
  }
  if (max_taps <= 4) {
    ResizeKernel<T, 4><<<Blocks(n), kThreads, 0, stream>>>(s, n, static_cast<const T*>(in),
                                                          static_cast<T*>(out));
  } else {
    ResizeKernel<T, kResizeMaxTaps><<<Blocks(n), kThreads, 0, stream>>>(
        s, n, static_cast<const T*>(in), static_cast<T*>(out));
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t Resize(const ResizeShape& shape, bool fp16, const void* in, void* out,
                   cudaStream_t stream) {
  int64_t n = 1;
  for (int d = 0; d < shape.rank; ++d) n *= shape.out_dims[d];
  if (n == 0) return cudaSuccess;
  return fp16 ? Launch<__half>(shape, n, in, out, stream)
              : Launch<float>(shape, n, in, out, stream);
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
