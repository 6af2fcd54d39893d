// Row kernels for the normalizations and Hardmax: one block per row, threads
// striding over the row, block reductions in double (deterministic: each
// warp's partial is combined in warp order). Every block loops over rows with
// the same trip count, so the barriers inside the reductions are uniform.
#include <cuda_fp16.h>

#include "backends/cuda/kernels/norm.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kFloat16 = 1;
constexpr int kWarp = 32;
constexpr int kMaxThreads = 256;
constexpr int64_t kMaxBlocks = 1 << 20;

__device__ __forceinline__ float Load(const float* p, int64_t i) { return p[i]; }
__device__ __forceinline__ float Load(const __half* p, int64_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void Store(float* p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void Store(__half* p, int64_t i, float v) { p[i] = __float2half_rn(v); }

// Sum of v over the block, returned to every thread. `shared` holds one
// double per warp.
__device__ double BlockSum(double v, double* shared) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  }
  __syncthreads();  // the previous call's readers are done with `shared`
  if (threadIdx.x % kWarp == 0) shared[threadIdx.x / kWarp] = v;
  __syncthreads();
  double total = 0.0;
  for (int w = 0; w < static_cast<int>(blockDim.x) / kWarp; ++w) total += shared[w];
  return total;
}

// Threads per block: the row rounded up to whole warps, at most kMaxThreads.
int Threads(int64_t row_size) {
  const int64_t warps = (row_size + kWarp - 1) / kWarp;
  const int64_t threads = warps * kWarp;
  if (threads < kWarp) return kWarp;
  return static_cast<int>(threads > kMaxThreads ? kMaxThreads : threads);
}

int Blocks(int64_t rows) { return static_cast<int>(rows < kMaxBlocks ? rows : kMaxBlocks); }

// Offset of flat index j of `dims` (row-major) under `strides`.
__device__ __forceinline__ int64_t StridedOffset(int64_t j, int rank, const int64_t* dims,
                                                 const int64_t* strides) {
  int64_t offset = 0;
  for (int d = rank - 1; d >= 0; --d) {
    offset += (j % dims[d]) * strides[d];
    j /= dims[d];
  }
  return offset;
}

// ---- LayerNormalization ----

template <typename T>
__global__ void LayerNormKernel(LayerNormShape shape, float epsilon, const T* __restrict__ x,
                                const T* __restrict__ scale, const T* __restrict__ bias,
                                T* __restrict__ y, float* __restrict__ mean_out,
                                float* __restrict__ inv_std_out) {
  __shared__ double shared[kMaxThreads / kWarp];
  const int64_t n = shape.row_size;
  for (int64_t row = blockIdx.x; row < shape.rows; row += gridDim.x) {
    const T* in = x + row * n;
    T* out = y + row * n;
    double sum = 0.0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) sum += Load(in, j);
    sum = BlockSum(sum, shared);
    const double mean = n > 0 ? sum / n : 0.0;
    double sq = 0.0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const double dev = Load(in, j) - mean;
      sq += dev * dev;
    }
    sq = BlockSum(sq, shared);
    const double var = n > 0 ? sq / n : 0.0;
    const double inv_std = 1.0 / sqrt(var + static_cast<double>(epsilon));
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const int64_t s = StridedOffset(j, shape.norm_rank, shape.norm_dims, shape.scale_strides);
      double v = (Load(in, j) - mean) * inv_std * Load(scale, s);
      if (bias != nullptr) {
        v += Load(bias, StridedOffset(j, shape.norm_rank, shape.norm_dims, shape.bias_strides));
      }
      Store(out, j, static_cast<float>(v));
    }
    if (threadIdx.x == 0) {
      mean_out[row] = static_cast<float>(mean);
      inv_std_out[row] = static_cast<float>(inv_std);
    }
  }
}

// ---- InstanceNormalization ----

template <typename T>
__global__ void InstanceNormKernel(int64_t rows, int64_t channels, int64_t plane, float epsilon,
                                   const T* __restrict__ x, const T* __restrict__ scale,
                                   const T* __restrict__ bias, T* __restrict__ y) {
  __shared__ double shared[kMaxThreads / kWarp];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const int64_t c = row % channels;
    const T* in = x + row * plane;
    T* out = y + row * plane;
    double sum = 0.0;
    for (int64_t j = threadIdx.x; j < plane; j += blockDim.x) sum += Load(in, j);
    sum = BlockSum(sum, shared);
    const double mean = plane > 0 ? sum / plane : 0.0;
    double sq = 0.0;
    for (int64_t j = threadIdx.x; j < plane; j += blockDim.x) {
      const double dev = Load(in, j) - mean;
      sq += dev * dev;
    }
    sq = BlockSum(sq, shared);
    const double var = plane > 0 ? sq / plane : 0.0;
    const double mul = Load(scale, c) / sqrt(var + static_cast<double>(epsilon));
    const double b = Load(bias, c);
    for (int64_t j = threadIdx.x; j < plane; j += blockDim.x) {
      Store(out, j, static_cast<float>((Load(in, j) - mean) * mul + b));
    }
  }
}

// ---- MeanVarianceNormalization ----

template <typename T>
__global__ void MvnKernel(MvnShape shape, const T* __restrict__ x, T* __restrict__ y) {
  __shared__ double shared[kMaxThreads / kWarp];
  const int64_t n = shape.count;
  for (int64_t row = blockIdx.x; row < shape.rows; row += gridDim.x) {
    const int64_t base =
        StridedOffset(row, shape.kept_rank, shape.kept_dims, shape.kept_strides);
    double sum = 0.0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      sum += Load(x, base + StridedOffset(j, shape.reduced_rank, shape.reduced_dims,
                                          shape.reduced_strides));
    }
    sum = BlockSum(sum, shared);
    const double mean = sum / n;
    double sq = 0.0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const double dev = Load(x, base + StridedOffset(j, shape.reduced_rank, shape.reduced_dims,
                                                      shape.reduced_strides)) -
                         mean;
      sq += dev * dev;
    }
    sq = BlockSum(sq, shared);
    const double denom = sqrt(sq / n) + 1e-9;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const int64_t at = base + StridedOffset(j, shape.reduced_rank, shape.reduced_dims,
                                              shape.reduced_strides);
      Store(y, at, static_cast<float>((Load(x, at) - mean) / denom));
    }
  }
}

// ---- LpNormalization ----

template <typename T>
__global__ void LpNormKernel(int64_t rows, int64_t length, int64_t inner, int p,
                             const T* __restrict__ x, T* __restrict__ y) {
  __shared__ double shared[kMaxThreads / kWarp];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const int64_t base = (row / inner) * length * inner + row % inner;
    double norm = 0.0;
    for (int64_t a = threadIdx.x; a < length; a += blockDim.x) {
      const double v = Load(x, base + a * inner);
      norm += p == 1 ? fabs(v) : v * v;
    }
    norm = BlockSum(norm, shared);
    if (p == 2) norm = sqrt(norm);
    for (int64_t a = threadIdx.x; a < length; a += blockDim.x) {
      const int64_t at = base + a * inner;
      Store(y, at, norm == 0.0 ? 0.0f : static_cast<float>(Load(x, at) / norm));
    }
  }
}

// ---- Hardmax ----

// Keeps in (v, k) the better of two candidates: k < 0 is none; a larger
// value wins, a tie goes to the lower index (cpu_ref's first maximum).
__device__ __forceinline__ void Better(float& v, int64_t& k, float other_v, int64_t other_k) {
  if (other_k < 0) return;
  if (k < 0 || other_v > v || (other_v == v && other_k < k)) {
    v = other_v;
    k = other_k;
  }
}

template <typename T>
__global__ void HardmaxKernel(int64_t rows, int64_t length, int64_t inner,
                              const T* __restrict__ x, T* __restrict__ y) {
  __shared__ float shared_v[kMaxThreads / kWarp];
  __shared__ int64_t shared_k[kMaxThreads / kWarp];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const int64_t base = (row / inner) * length * inner + row % inner;
    // Each thread's best non-NaN element; its indices rise, so `>` keeps the
    // first of equal values.
    float best_v = 0.0f;
    int64_t best_k = -1;
    for (int64_t a = threadIdx.x; a < length; a += blockDim.x) {
      const float v = Load(x, base + a * inner);
      if (!isnan(v) && (best_k < 0 || v > best_v)) {
        best_v = v;
        best_k = a;
      }
    }
    for (int offset = kWarp / 2; offset > 0; offset /= 2) {
      const float other_v = __shfl_xor_sync(0xffffffffu, best_v, offset);
      const long long other_k = __shfl_xor_sync(0xffffffffu, static_cast<long long>(best_k), offset);
      Better(best_v, best_k, other_v, other_k);
    }
    __syncthreads();  // the previous row's readers are done
    if (threadIdx.x % kWarp == 0) {
      shared_v[threadIdx.x / kWarp] = best_v;
      shared_k[threadIdx.x / kWarp] = best_k;
    }
    __syncthreads();
    best_k = -1;
    for (int w = 0; w < static_cast<int>(blockDim.x) / kWarp; ++w) {
      Better(best_v, best_k, shared_v[w], shared_k[w]);
    }
    // A NaN first element is never beaten in cpu_ref's scan; with no
    // candidate at all (every element NaN) it is chosen too.
    if (length > 0 && (isnan(Load(x, base)) || best_k < 0)) best_k = 0;
    for (int64_t a = threadIdx.x; a < length; a += blockDim.x) {
      Store(y, base + a * inner, a == best_k ? 1.0f : 0.0f);
    }
  }
}

}  // namespace

cudaError_t LayerNorm(int dtype, const LayerNormShape& shape, float epsilon, const void* x,
                      const void* scale, const void* bias, void* y, float* mean,
                      float* inv_std_dev, cudaStream_t stream) {
  if (shape.rows == 0) return cudaSuccess;
  const int threads = Threads(shape.row_size);
  if (dtype == kFloat16) {
    LayerNormKernel<__half><<<Blocks(shape.rows), threads, 0, stream>>>(
        shape, epsilon, static_cast<const __half*>(x), static_cast<const __half*>(scale),
        static_cast<const __half*>(bias), static_cast<__half*>(y), mean, inv_std_dev);
  } else {
    LayerNormKernel<float><<<Blocks(shape.rows), threads, 0, stream>>>(
        shape, epsilon, static_cast<const float*>(x), static_cast<const float*>(scale),
        static_cast<const float*>(bias), static_cast<float*>(y), mean, inv_std_dev);
  }
  return cudaGetLastError();
}

cudaError_t InstanceNorm(int dtype, int64_t batch, int64_t channels, int64_t plane,
                         float epsilon, const void* x, const void* scale, const void* bias,
                         void* y, cudaStream_t stream) {
  const int64_t rows = batch * channels;
  if (rows == 0 || plane == 0) return cudaSuccess;
  const int threads = Threads(plane);
  if (dtype == kFloat16) {
    InstanceNormKernel<__half><<<Blocks(rows), threads, 0, stream>>>(
        rows, channels, plane, epsilon, static_cast<const __half*>(x),
        static_cast<const __half*>(scale), static_cast<const __half*>(bias),
        static_cast<__half*>(y));
  } else {
    InstanceNormKernel<float><<<Blocks(rows), threads, 0, stream>>>(
        rows, channels, plane, epsilon, static_cast<const float*>(x),
        static_cast<const float*>(scale), static_cast<const float*>(bias),
        static_cast<float*>(y));
  }
  return cudaGetLastError();
}

cudaError_t MeanVarianceNorm(int dtype, const MvnShape& shape, const void* x, void* y,
                             cudaStream_t stream) {
  if (shape.rows == 0 || shape.count == 0) return cudaSuccess;
  const int threads = Threads(shape.count);
  if (dtype == kFloat16) {
    MvnKernel<__half><<<Blocks(shape.rows), threads, 0, stream>>>(
        shape, static_cast<const __half*>(x), static_cast<__half*>(y));
  } else {
    MvnKernel<float><<<Blocks(shape.rows), threads, 0, stream>>>(
        shape, static_cast<const float*>(x), static_cast<float*>(y));
  }
  return cudaGetLastError();
}

cudaError_t LpNorm(int dtype, int64_t outer, int64_t length, int64_t inner, int p, const void* x,
                   void* y, cudaStream_t stream) {
  const int64_t rows = outer * inner;
  if (rows == 0 || length == 0) return cudaSuccess;
  const int threads = Threads(length);
  if (dtype == kFloat16) {
    LpNormKernel<__half><<<Blocks(rows), threads, 0, stream>>>(
        rows, length, inner, p, static_cast<const __half*>(x), static_cast<__half*>(y));
  } else {
    LpNormKernel<float><<<Blocks(rows), threads, 0, stream>>>(
        rows, length, inner, p, static_cast<const float*>(x), static_cast<float*>(y));
  }
  return cudaGetLastError();
}

cudaError_t Hardmax(int dtype, int64_t outer, int64_t length, int64_t inner, const void* x,
                    void* y, cudaStream_t stream) {
  const int64_t rows = outer * inner;
  if (rows == 0 || length == 0) return cudaSuccess;
  const int threads = Threads(length);
  if (dtype == kFloat16) {
    HardmaxKernel<__half><<<Blocks(rows), threads, 0, stream>>>(
        rows, length, inner, static_cast<const __half*>(x), static_cast<__half*>(y));
  } else {
    HardmaxKernel<float><<<Blocks(rows), threads, 0, stream>>>(
        rows, length, inner, static_cast<const float*>(x), static_cast<float*>(y));
  }
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
