// GridSample: one thread per (batch, output point), looping over channels
// with the point's taps, as cpu_ref does. Positions are computed in float
// with explicitly rounded operations so that floor and rounding decisions
// match cpu_ref's (nvcc would otherwise contract them into FMAs).
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
enum Padding { kZeros = 0, kBorder, kReflection };

// Mirrors x at the borders until it lies in [lo, hi] (ONNX's _gs_reflect).
__device__ double Reflect(double x, double lo, double hi) {
  const double range = __dsub_rn(hi, lo);
  if (range <= 0) return lo;
  if (x < lo) {
    const double dx = __dsub_rn(lo, x);
    const int64_t n = static_cast<int64_t>(__ddiv_rn(dx, range));
    const double r = __dsub_rn(dx, __dmul_rn(static_cast<double>(n), range));
    return n % 2 == 0 ? __dadd_rn(lo, r) : __dsub_rn(hi, r);
  }
  if (x > hi) {
    const double dx = __dsub_rn(x, hi);
    const int64_t n = static_cast<int64_t>(__ddiv_rn(dx, range));
    const double r = __dsub_rn(dx, __dmul_rn(static_cast<double>(n), range));
    return n % 2 == 0 ? __dsub_rn(hi, r) : __dadd_rn(lo, r);
  }
  return x;
}

__device__ double Cubic(double x) {  // Keys' kernel with a = -0.75, as PyTorch
  const double a = -0.75;
  x = fabs(x);
  if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

// The padded index of integer pixel position `i`; -1 reads zero.
__device__ int64_t PadIndex(const GridSampleShape& s, int64_t i, int64_t size, double lo,
                            double hi) {
  if (i >= 0 && i < size) return i;
  int64_t p;
  switch (s.padding) {
    case kBorder:
      p = i;
      break;
    case kReflection:
      p = static_cast<int64_t>(Reflect(static_cast<double>(i), lo, hi));
      break;
    default:
      return -1;
  }
  return p < 0 ? 0 : p > size - 1 ? size - 1 : p;
}

// Taps of normalized coordinate g on an axis of `size`; returns the count.
__device__ int ComputeTaps(const GridSampleShape& s, float g, int64_t size, int64_t* index,
                           double* weight) {
  const float fsize = static_cast<float>(size);
  float pos = s.align_corners
                  ? __fmul_rn(__fdiv_rn(__fadd_rn(g, 1.0f), 2.0f), __fsub_rn(fsize, 1.0f))
                  : __fdiv_rn(__fsub_rn(__fmul_rn(__fadd_rn(g, 1.0f), fsize), 1.0f), 2.0f);
  if (s.mode == kNearest) pos = rintf(pos);  // half to even
  const double lo = s.align_corners ? 0.0 : -0.5;
  const double hi = s.align_corners ? size - 1.0 : size - 0.5;
  if (pos < lo || pos > hi) {
    if (s.padding == kBorder) {
      const float top = __fsub_rn(fsize, 1.0f);
      pos = pos < 0.0f ? 0.0f : pos > top ? top : pos;
    } else if (s.padding == kReflection) {
      pos = static_cast<float>(Reflect(pos, lo, hi));
    }
  }
  if (s.mode == kNearest) {
    index[0] = PadIndex(s, static_cast<int64_t>(pos), size, lo, hi);  // truncates, as ONNX
    weight[0] = 1.0;
    return 1;
  }
  const float floor_pos = floorf(pos);
  const double r = static_cast<double>(__fsub_rn(pos, floor_pos));
  const int64_t base = static_cast<int64_t>(floor_pos);
  if (s.mode == kLinear) {
    weight[0] = 1.0 - r;
    weight[1] = r;
    for (int j = 0; j < 2; ++j) index[j] = PadIndex(s, base + j, size, lo, hi);
    return 2;
  }
  for (int j = 0; j < 4; ++j) {
    weight[j] = Cubic(r + 1 - j);
    index[j] = PadIndex(s, base - 1 + j, size, lo, hi);
  }
  return 4;
}

template <typename T>
__global__ void GridSampleKernel(GridSampleShape s, int64_t n, const T* __restrict__ x,
                                 const T* __restrict__ grid, T* __restrict__ y) {
  const int k = s.rank;
  int64_t in_plane = 1, out_plane = 1;
  for (int d = 0; d < k; ++d) {
    in_plane *= s.in[d];
    out_plane *= s.out[d];
  }
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t b = i / out_plane, o = i % out_plane;
    int64_t index[kMaxSpatial][4];
    double weight[kMaxSpatial][4];
    int count[kMaxSpatial];
    // grid lists the innermost dim first.
    const T* g = grid + i * k;
    for (int d = 0; d < k; ++d) {
      count[d] = ComputeTaps(s, Load(g, k - 1 - d), s.in[d], index[d], weight[d]);
    }
    for (int64_t c = 0; c < s.channels; ++c) {
      const T* plane = x + (b * s.channels + c) * in_plane;
      int tap[kMaxSpatial] = {};
      double sum = 0.0;
      while (true) {
        double w = 1.0;
        int64_t offset = 0;
        for (int d = 0; d < k && w != 0.0; ++d) {
          const int64_t idx = index[d][tap[d]];
          w = idx < 0 ? 0.0 : __dmul_rn(w, weight[d][tap[d]]);
          offset = offset * s.in[d] + idx;
        }
        if (w != 0.0) sum = __dadd_rn(sum, __dmul_rn(w, static_cast<double>(Load(plane, offset))));
        int d = k;
        while (d > 0 && ++tap[d - 1] == count[d - 1]) tap[--d] = 0;
        if (d == 0) break;
      }
      Store(y, (b * s.channels + c) * out_plane + o, static_cast<float>(sum));
    }
  }
}

}  // namespace

cudaError_t GridSample(const GridSampleShape& shape, bool fp16, const void* x, const void* grid,
                       void* out, cudaStream_t stream) {
  int64_t n = shape.batch;
  for (int d = 0; d < shape.rank; ++d) n *= shape.out[d];
  if (n == 0 || shape.channels == 0) return cudaSuccess;
  if (fp16) {
    GridSampleKernel<<<Blocks(n), kThreads, 0, stream>>>(
        shape, n, static_cast<const __half*>(x), static_cast<const __half*>(grid),
        static_cast<__half*>(out));
  } else {
    GridSampleKernel<<<Blocks(n), kThreads, 0, stream>>>(shape, n, static_cast<const float*>(x),
                                                         static_cast<const float*>(grid),
                                                         static_cast<float*>(out));
  }
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
