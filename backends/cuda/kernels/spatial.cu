// Window kernels of the spatial family (PoolingNd, MaxPoolWithIndices,
// LpPool) and MaxUnpool's scatter. One thread per output element; windows
// are walked in cpu_ref's row-major tap order so sums round the same way.
#include "backends/cuda/kernels/spatial.h"

#include <cmath>

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

int64_t OutVolume(const WindowShape& s) {
  int64_t v = s.planes;
  for (int d = 0; d < s.rank; ++d) v *= s.out[d];
  return v;
}

// Splits flat output index `i` into its plane and spatial position.
__device__ __forceinline__ int64_t SplitOutput(const WindowShape& s, int64_t i, int64_t* pos) {
  for (int d = s.rank - 1; d >= 0; --d) {
    pos[d] = i % s.out[d];
    i /= s.out[d];
  }
  return i;
}

// Row-major increment of `tap` within the kernel; false after the last.
__device__ __forceinline__ bool NextTap(const WindowShape& s, int64_t* tap) {
  for (int d = s.rank - 1; d >= 0; --d) {
    if (++tap[d] < s.kernel[d]) return true;
    tap[d] = 0;
  }
  return false;
}

template <typename T>
__global__ void PoolingNdKernel(WindowShape s, int64_t n, bool average, bool count_include_pad,
                                bool column_major, const T* __restrict__ input,
                                T* __restrict__ output, int64_t* __restrict__ indices) {
  int64_t in_volume = 1;
  for (int d = 0; d < s.rank; ++d) in_volume *= s.in[d];
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    int64_t pos[kMaxSpatial], tap[kMaxSpatial];
    const int64_t plane = SplitOutput(s, i, pos);
    for (int d = 0; d < s.rank; ++d) tap[d] = 0;
    const T* in = input + plane * in_volume;
    float best = -INFINITY, sum = 0.0f;
    int64_t best_index = -1, inside = 0, padded = 0;
    do {
      bool on_input = true, on_padding = true;
      int64_t offset = 0, flat = 0, row = 1, col = 1;
      for (int d = s.rank - 1; d >= 0; --d) {
        const int64_t in_pos = pos[d] * s.stride[d] - s.pad_begin[d] + tap[d] * s.dilation[d];
        // A ceil-mode window can pass the end padding; those taps never count.
        if (in_pos >= s.in[d] + s.pad_end[d]) on_padding = false;
        if (in_pos < 0 || in_pos >= s.in[d]) on_input = false;
        offset += in_pos * row;
        row *= s.in[d];
      }
      if (column_major) {
        for (int d = 0; d < s.rank; ++d) {
          flat += (pos[d] * s.stride[d] - s.pad_begin[d] + tap[d] * s.dilation[d]) * col;
          col *= s.in[d];
        }
      } else {
        flat = offset;
      }
      if (on_padding) ++padded;
      if (!on_input) continue;
      const float v = Load(in, offset);
      sum += v;
      ++inside;
      // NaN propagates; the first maximum wins ties.
      if (best_index < 0 || v > best || (isnan(v) && !isnan(best))) {
        best = v;
        best_index = plane * in_volume + flat;
      }
    } while (NextTap(s, tap));
    if (average) {
      const int64_t count = count_include_pad ? padded : inside;
      Store(output, i, count == 0 ? 0.0f : sum / static_cast<float>(count));
    } else {
      Store(output, i, best);
      if (indices != nullptr) indices[i] = best_index;
    }
  }
}

template <typename T>
__global__ void LpPoolKernel(WindowShape s, int64_t n, int64_t p, const T* __restrict__ input,
                             T* __restrict__ output) {
  int64_t in_volume = 1;
  for (int d = 0; d < s.rank; ++d) in_volume *= s.in[d];
  const double exponent = static_cast<double>(p);
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    int64_t pos[kMaxSpatial], tap[kMaxSpatial];
    const int64_t plane = SplitOutput(s, i, pos);
    for (int d = 0; d < s.rank; ++d) tap[d] = 0;
    const T* in = input + plane * in_volume;
    double sum = 0.0;
    do {
      bool inside = true;
      int64_t offset = 0;
      for (int d = 0; d < s.rank && inside; ++d) {
        const int64_t in_pos = pos[d] * s.stride[d] - s.pad_begin[d] + tap[d] * s.dilation[d];
        inside = in_pos >= 0 && in_pos < s.in[d];
        offset = offset * s.in[d] + in_pos;
      }
      if (inside) {
        const double v = fabs(static_cast<double>(Load(in, offset)));
        sum += p == 1 ? v : p == 2 ? __dmul_rn(v, v) : pow(v, exponent);
      }
    } while (NextTap(s, tap));
    const double root = p == 1 ? sum : p == 2 ? sqrt(sum) : pow(sum, 1.0 / exponent);
    Store(output, i, static_cast<float>(root));
  }
}

// Output flat offset of inferred-tensor index `index`, or -1 when outside.
__device__ __forceinline__ int64_t UnpoolTarget(const UnpoolShape& s, int64_t index) {
  int64_t inferred_volume = s.planes;
  for (int d = 0; d < s.rank; ++d) inferred_volume *= s.inferred[d];
  if (index < 0 || index >= inferred_volume) return -1;
  int64_t offset = 0, stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    offset += (index % s.inferred[d]) * stride;
    index /= s.inferred[d];
    stride *= s.out_spatial[d];
  }
  return offset + index * stride;
}

// winner[o] = 1 + the largest input position scattered to o (0: none), so
// duplicates resolve as cpu_ref's in-order scatter does: the last one wins.
__global__ void UnpoolScatterKernel(UnpoolShape s, const int64_t* __restrict__ indices,
                                    unsigned long long* __restrict__ winner) {
  for (int64_t e = GridStart(); e < s.in_volume; e += GridStep()) {
    const int64_t target = UnpoolTarget(s, indices[e]);
    if (target >= 0) atomicMax(winner + target, static_cast<unsigned long long>(e + 1));
  }
}

template <typename T>
__global__ void UnpoolGatherKernel(int64_t n, const unsigned long long* __restrict__ winner,
                                   const T* __restrict__ in, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const unsigned long long w = winner[i];
    out[i] = w == 0 ? T(0) : in[w - 1];
  }
}

}  // namespace

cudaError_t PoolingNd(const WindowShape& shape, bool average, bool count_include_pad,
                      bool column_major, bool fp16, const void* in, void* out, int64_t* indices,
                      cudaStream_t stream) {
  const int64_t n = OutVolume(shape);
  if (n == 0) return cudaSuccess;
  if (fp16) {
    PoolingNdKernel<<<Blocks(n), kThreads, 0, stream>>>(
        shape, n, average, count_include_pad, column_major, static_cast<const __half*>(in),
        static_cast<__half*>(out), indices);
  } else {
    PoolingNdKernel<<<Blocks(n), kThreads, 0, stream>>>(
        shape, n, average, count_include_pad, column_major, static_cast<const float*>(in),
        static_cast<float*>(out), indices);
  }
  return cudaGetLastError();
}

cudaError_t LpPool(const WindowShape& shape, int64_t p, bool fp16, const void* in, void* out,
                   cudaStream_t stream) {
  const int64_t n = OutVolume(shape);
  if (n == 0) return cudaSuccess;
  if (fp16) {
    LpPoolKernel<<<Blocks(n), kThreads, 0, stream>>>(shape, n, p, static_cast<const __half*>(in),
                                                     static_cast<__half*>(out));
  } else {
    LpPoolKernel<<<Blocks(n), kThreads, 0, stream>>>(shape, n, p, static_cast<const float*>(in),
                                                     static_cast<float*>(out));
  }
  return cudaGetLastError();
}

cudaError_t MaxUnpool(int elem_size, const UnpoolShape& shape, const void* in,
                      const int64_t* indices, unsigned long long* winner, void* out,
                      cudaStream_t stream) {
  int64_t n = shape.planes;
  for (int d = 0; d < shape.rank; ++d) n *= shape.out_spatial[d];
  if (n == 0) return cudaSuccess;
  cudaError_t error = cudaMemsetAsync(winner, 0, n * sizeof(unsigned long long), stream);
  if (error != cudaSuccess) return error;
  if (shape.in_volume > 0) {
    UnpoolScatterKernel<<<Blocks(shape.in_volume), kThreads, 0, stream>>>(shape, indices, winner);
  }
  switch (elem_size) {
    case 1:
      UnpoolGatherKernel<<<Blocks(n), kThreads, 0, stream>>>(
          n, winner, static_cast<const uint8_t*>(in), static_cast<uint8_t*>(out));
      break;
    case 2:
      UnpoolGatherKernel<<<Blocks(n), kThreads, 0, stream>>>(
          n, winner, static_cast<const uint16_t*>(in), static_cast<uint16_t*>(out));
      break;
    case 4:
      UnpoolGatherKernel<<<Blocks(n), kThreads, 0, stream>>>(
          n, winner, static_cast<const uint32_t*>(in), static_cast<uint32_t*>(out));
      break;
    case 8:
      UnpoolGatherKernel<<<Blocks(n), kThreads, 0, stream>>>(
          n, winner, static_cast<const uint64_t*>(in), static_cast<uint64_t*>(out));
      break;
    default:
      return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
