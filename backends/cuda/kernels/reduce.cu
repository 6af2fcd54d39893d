// Reduce, one warp per output element: the lanes stride over the reduced
// elements accumulating in double (as cpu_ref does), then combine by warp
// shuffles. With double accumulation the only difference from cpu_ref is the
// summation order, far below fp32's rounding of the result (max and min are
// bit-exact). fp16 elements are read as fp32 and the result rounded once to
// fp16 at the store.
#include <math_constants.h>

#include <cstdint>

#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

// kiln::ReduceOp's order.
enum Op : int {
  kReduceSum = 0, kReduceMean, kReduceMax, kReduceMin, kReduceProd,
  kReduceSumSquare, kReduceL1, kReduceL2, kReduceLogSum, kReduceLogSumExp,
};

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;

__device__ __forceinline__ double Identity(int op) {
  if (op == kReduceProd) return 1.0;
  if (op == kReduceMax || op == kReduceLogSumExp) return -CUDART_INF;
  if (op == kReduceMin) return CUDART_INF;
  return 0.0;
}

// cpu_ref's std::max / std::min: a NaN element never replaces the
// accumulator.
__device__ __forceinline__ double Combine(int op, double acc, double v) {
  switch (op) {
    case kReduceMax:
    case kReduceLogSumExp: return acc < v ? v : acc;
    case kReduceMin: return v < acc ? v : acc;
    case kReduceProd: return acc * v;
    default: return acc + v;
  }
}

__device__ __forceinline__ double Term(int op, float v) {
  if (op == kReduceSumSquare || op == kReduceL2) return static_cast<double>(v) * v;
  if (op == kReduceL1) return fabsf(v);
  return v;
}

__device__ __forceinline__ double WarpCombine(int op, double acc) {
  for (int offset = 16; offset > 0; offset /= 2) {
    acc = Combine(op, acc, __shfl_down_sync(0xffffffffu, acc, offset));
  }
  return __shfl_sync(0xffffffffu, acc, 0);
}

__device__ __forceinline__ int64_t ReducedOffset(const ReduceShape& s, int64_t r) {
  int64_t offset = 0;
  for (int d = s.reduced_rank - 1; d >= 0; --d) {
    offset += (r % s.reduced_dims[d]) * s.reduced_strides[d];
    r /= s.reduced_dims[d];
  }
  return offset;
}

template <int kOp, typename T>
__global__ void ReduceKernel(ReduceShape s, const T* __restrict__ in, T* __restrict__ out) {
  const int lane = threadIdx.x % 32;
  const int64_t first = blockIdx.x * static_cast<int64_t>(kWarps) + threadIdx.x / 32;
  const int64_t step = static_cast<int64_t>(gridDim.x) * kWarps;
  for (int64_t o = first; o < s.out_volume; o += step) {
    int64_t rest = o, base = 0;
    for (int d = s.kept_rank - 1; d >= 0; --d) {
      base += (rest % s.kept_dims[d]) * s.kept_strides[d];
      rest /= s.kept_dims[d];
    }
    const T* x = in + base;
    double acc = Identity(kOp);
    for (int64_t r = lane; r < s.count; r += 32) {
      acc = Combine(kOp, acc, Term(kOp, LoadFloat(x, ReducedOffset(s, r))));
    }
    acc = WarpCombine(kOp, acc);
    if (kOp == kReduceLogSumExp) {
      // Shift by the max (0 when it is infinite: x - inf would be NaN).
      const float shift = isinf(acc) ? 0.0f : static_cast<float>(acc);
      double sum = 0.0;
      for (int64_t r = lane; r < s.count; r += 32) {
        sum += exp(static_cast<double>(LoadFloat(x, ReducedOffset(s, r))) - shift);
      }
      sum = WarpCombine(kReduceSum, sum);
      if (lane == 0) StoreFloat(out, o, static_cast<float>(shift + log(sum)));
      continue;
    }
    if (lane == 0) {
      double v = acc;
      if (kOp == kReduceMean) v /= static_cast<double>(s.count);
      if (kOp == kReduceL2) v = sqrt(v);
      if (kOp == kReduceLogSum) v = log(v);
      StoreFloat(out, o, static_cast<float>(v));
    }
  }
}

template <int kOp, typename T>
cudaError_t Launch(const ReduceShape& s, const T* in, T* out, cudaStream_t stream) {
  ReduceKernel<kOp, T><<<GridBlocks(s.out_volume, kWarps), kThreads, 0, stream>>>(s, in, out);
  return cudaGetLastError();
}

}  // namespace

template <typename T>
cudaError_t Reduce(int op, const ReduceShape& shape, const T* in, T* out, cudaStream_t stream) {
  if (shape.out_volume == 0) return cudaSuccess;
  switch (op) {
#define KILN_REDUCE_CASE(o) \
  case o: return Launch<o, T>(shape, in, out, stream);
    KILN_REDUCE_CASE(kReduceSum)
    KILN_REDUCE_CASE(kReduceMean)
    KILN_REDUCE_CASE(kReduceMax)
    KILN_REDUCE_CASE(kReduceMin)
    KILN_REDUCE_CASE(kReduceProd)
    KILN_REDUCE_CASE(kReduceSumSquare)
    KILN_REDUCE_CASE(kReduceL1)
    KILN_REDUCE_CASE(kReduceL2)
    KILN_REDUCE_CASE(kReduceLogSum)
    KILN_REDUCE_CASE(kReduceLogSumExp)
#undef KILN_REDUCE_CASE
  }
  return cudaErrorInvalidValue;
}

template cudaError_t Reduce<float>(int, const ReduceShape&, const float*, float*, cudaStream_t);
template cudaError_t Reduce<__half>(int, const ReduceShape&, const __half*, __half*,
                                    cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
