// Scans along an axis (indexing.h): cumulative sum, arg max/min and top-k.
// One thread per run of x viewed as (outer, n, inner), walking the run in
// cpu_ref's order, so sums round exactly as cpu_ref's and selections break
// ties the same way.
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "backends/cuda/kernels/indexing.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kThreads = 128;

int Blocks(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 * 32 ? blocks : 65535 * 32);
}

__device__ __forceinline__ int64_t GridStart() {
  return blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
}
__device__ __forceinline__ int64_t GridStep() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// The value a stored element is computed or compared as (fp16 -> float).
template <typename T>
__device__ __forceinline__ T Load(T v) {
  return v;
}
__device__ __forceinline__ float Load(__half v) { return __half2float(v); }

template <typename T>
__device__ __forceinline__ bool IsNan(T v) {
  return false;
}
__device__ __forceinline__ bool IsNan(float v) { return isnan(v); }

// cpu_ref's Add: fp32 without contraction, integers wrapping.
__device__ __forceinline__ float Add(float a, float b) { return __fadd_rn(a, b); }
template <typename Int>
__device__ __forceinline__ Int Add(Int a, Int b) {
  using U = typename std::make_unsigned<Int>::type;
  return static_cast<Int>(static_cast<U>(a) + static_cast<U>(b));
}

// Stored type T, accumulated in Acc (float for fp16).
template <typename T, typename Acc>
__global__ void CumSumKernel(int64_t runs, int64_t n, int64_t inner, bool exclusive,
                             bool reverse, const T* __restrict__ in, T* __restrict__ out) {
  for (int64_t run = GridStart(); run < runs; run += GridStep()) {
    const int64_t base = (run / inner) * n * inner + run % inner;
    Acc sum = 0;
    for (int64_t step = 0; step < n; ++step) {
      const int64_t at = base + (reverse ? n - 1 - step : step) * inner;
      const Acc value = static_cast<Acc>(Load(in[at]));
      if (!exclusive) sum = Add(sum, value);
      if constexpr (std::is_same<T, Acc>::value) {
        out[at] = sum;
      } else {
        out[at] = __float2half_rn(sum);  // fp16 stored, summed in fp32
      }
      if (exclusive) sum = Add(sum, value);
    }
  }
}

template <typename T>
__global__ void ArgReduceKernel(int64_t runs, int64_t n, int64_t inner, bool is_max,
                                bool select_last, const T* __restrict__ in,
                                int64_t* __restrict__ out) {
  for (int64_t run = GridStart(); run < runs; run += GridStep()) {
    const T* x = in + (run / inner) * n * inner + run % inner;
    int64_t best_index = -1;
    auto best = Load(x[0]);
    for (int64_t k = 0; k < n; ++k) {
      const auto v = Load(x[k * inner]);
      if (IsNan(v)) continue;
      const bool better = best_index < 0 || (is_max ? (select_last ? v >= best : v > best)
                                                    : (select_last ? v <= best : v < best));
      if (better) {
        best = v;
        best_index = k;
      }
    }
    out[run] = best_index < 0 ? 0 : best_index;
  }
}

// a > b with NaN above every number and equal to NaN (cpu_ref's Greater).
template <typename V>
__device__ __forceinline__ bool Greater(V a, V b) {
  if (IsNan(a)) return !IsNan(b);
  if (IsNan(b)) return false;
  return a > b;
}

// Whether element a of a run comes before element b in TopK's order.
template <typename V>
__device__ __forceinline__ bool Before(bool largest, V va, int64_t a, V vb, int64_t b) {
  if (largest ? Greater(va, vb) : Greater(vb, va)) return true;
  if (largest ? Greater(vb, va) : Greater(va, vb)) return false;
  return a < b;
}

// The order is strict and total, so pass i selects the first element (in
// that order) after the one pass i - 1 selected: the i-th of the sorted run.
template <typename T>
__global__ void TopKKernel(int64_t runs, int64_t n, int64_t inner, int64_t k, bool largest,
                           const T* __restrict__ in, T* __restrict__ values,
                           int64_t* __restrict__ indices) {
  for (int64_t run = GridStart(); run < runs; run += GridStep()) {
    const int64_t outer_index = run / inner, inner_index = run % inner;
    const T* x = in + outer_index * n * inner + inner_index;
    const int64_t out_base = outer_index * k * inner + inner_index;
    int64_t prev = -1;
    for (int64_t i = 0; i < k; ++i) {
      int64_t best = -1;
      for (int64_t j = 0; j < n; ++j) {
        const auto vj = Load(x[j * inner]);
        if (prev >= 0 && !Before(largest, Load(x[prev * inner]), prev, vj, j)) continue;
        if (best < 0 || Before(largest, vj, j, Load(x[best * inner]), best)) best = j;
      }
      if (best < 0) best = 0;  // k > n: refused by shape inference
      values[out_base + i * inner] = x[best * inner];
      indices[out_base + i * inner] = best;
      prev = best;
    }
  }
}

template <typename T>
cudaError_t LaunchArgReduce(bool is_max, bool select_last, int64_t runs, int64_t n,
                            int64_t inner, const void* in, int64_t* out, cudaStream_t stream) {
  ArgReduceKernel<T><<<Blocks(runs), kThreads, 0, stream>>>(
      runs, n, inner, is_max, select_last, static_cast<const T*>(in), out);
  return cudaGetLastError();
}

template <typename T>
cudaError_t LaunchTopK(bool largest, int64_t runs, int64_t n, int64_t inner, int64_t k,
                       const void* in, void* values, int64_t* indices, cudaStream_t stream) {
  TopKKernel<T><<<Blocks(runs), kThreads, 0, stream>>>(runs, n, inner, k, largest,
                                                       static_cast<const T*>(in),
                                                       static_cast<T*>(values), indices);
  return cudaGetLastError();
}

}  // namespace

cudaError_t CumSum(int dtype, int64_t outer, int64_t n, int64_t inner, bool exclusive,
                   bool reverse, const void* in, void* out, cudaStream_t stream) {
  const int64_t runs = outer * inner;
  if (runs == 0 || n == 0) return cudaSuccess;
  switch (dtype) {
    case 0:
      CumSumKernel<float, float><<<Blocks(runs), kThreads, 0, stream>>>(
          runs, n, inner, exclusive, reverse, static_cast<const float*>(in),
          static_cast<float*>(out));
      break;
    case 1:
      CumSumKernel<__half, float><<<Blocks(runs), kThreads, 0, stream>>>(
          runs, n, inner, exclusive, reverse, static_cast<const __half*>(in),
          static_cast<__half*>(out));
      break;
    case 3:
      CumSumKernel<int32_t, int32_t><<<Blocks(runs), kThreads, 0, stream>>>(
          runs, n, inner, exclusive, reverse, static_cast<const int32_t*>(in),
          static_cast<int32_t*>(out));
      break;
    case 4:
      CumSumKernel<int64_t, int64_t><<<Blocks(runs), kThreads, 0, stream>>>(
          runs, n, inner, exclusive, reverse, static_cast<const int64_t*>(in),
          static_cast<int64_t*>(out));
      break;
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

cudaError_t ArgReduce(int dtype, bool is_max, bool select_last, int64_t outer, int64_t n,
                      int64_t inner, const void* in, int64_t* out, cudaStream_t stream) {
  const int64_t runs = outer * inner;
  if (runs == 0) return cudaSuccess;
  if (n == 0) return cudaErrorInvalidValue;  // refused by shape inference
  switch (dtype) {
    case 0: return LaunchArgReduce<float>(is_max, select_last, runs, n, inner, in, out, stream);
    case 1: return LaunchArgReduce<__half>(is_max, select_last, runs, n, inner, in, out, stream);
    case 2: return LaunchArgReduce<int8_t>(is_max, select_last, runs, n, inner, in, out, stream);
    case 3: return LaunchArgReduce<int32_t>(is_max, select_last, runs, n, inner, in, out, stream);
    case 4: return LaunchArgReduce<int64_t>(is_max, select_last, runs, n, inner, in, out, stream);
    default: return cudaErrorInvalidValue;
  }
}

cudaError_t TopK(int dtype, bool largest, int64_t outer, int64_t n, int64_t inner, int64_t k,
                 const void* in, void* values, int64_t* indices, cudaStream_t stream) {
  const int64_t runs = outer * inner;
  if (runs == 0 || k == 0) return cudaSuccess;
  switch (dtype) {
    case 0: return LaunchTopK<float>(largest, runs, n, inner, k, in, values, indices, stream);
    case 1: return LaunchTopK<__half>(largest, runs, n, inner, k, in, values, indices, stream);
    case 2: return LaunchTopK<int8_t>(largest, runs, n, inner, k, in, values, indices, stream);
    case 3: return LaunchTopK<int32_t>(largest, runs, n, inner, k, in, values, indices, stream);
    case 4: return LaunchTopK<int64_t>(largest, runs, n, inner, k, in, values, indices, stream);
    default: return cudaErrorInvalidValue;
  }
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
