// Row kernels for the normalizations and Hardmax: one block per row, threads
// striding over the row, block reductions in double (deterministic: each
// warp's partial is combined in warp order). Every block loops over rows with
// the same trip count, so the barriers inside the reductions are uniform.
// LayerNormalization rows of up to 1024 elements with dense Scale and B (a
// transformer's) take a warp each instead (LayerNormWarpKernel): the row in
// registers, loaded and stored as 16-byte vectors, the sums in double with
// warp shuffles, no division per element (the block kernel ran BERT-base's
// LayerNorms at a seventh of memory bandwidth).
#include <cuda_fp16.h>

#include "backends/cuda/kernels/float_io.h"
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
                                const T* __restrict__ skip, const T* __restrict__ scale,
                                const T* __restrict__ bias,
                                T* __restrict__ y, float* __restrict__ mean_out,
                                float* __restrict__ inv_std_out) {
  __shared__ double shared[kMaxThreads / kWarp];
  const int64_t n = shape.row_size;
  for (int64_t row = blockIdx.x; row < shape.rows; row += gridDim.x) {
    const T* in = x + row * n;
    const T* skip_row = skip != nullptr ? skip + row * n : nullptr;
    // X + Skip, summed in fp32 as cpu_ref's reference does.
    auto at = [&](int64_t j) {
      return skip_row != nullptr ? Load(in, j) + Load(skip_row, j) : Load(in, j);
    };
    T* out = y + row * n;
    double sum = 0.0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) sum += at(j);
    sum = BlockSum(sum, shared);
    const double mean = n > 0 ? sum / n : 0.0;
    double sq = 0.0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const double dev = at(j) - mean;
      sq += dev * dev;
    }
    sq = BlockSum(sq, shared);
    const double var = n > 0 ? sq / n : 0.0;
    const double inv_std = 1.0 / sqrt(var + static_cast<double>(epsilon));
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const int64_t s = StridedOffset(j, shape.norm_rank, shape.norm_dims, shape.scale_strides);
      double v = (at(j) - mean) * inv_std * Load(scale, s);
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

// Sum of v over the warp, returned to every lane (a butterfly: every lane
// adds in the same order, so all get the same bits).
__device__ __forceinline__ double WarpSum(double v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  }
  return v;
}

constexpr int kWarpRowElements = 1024;  // per row, at most: 32 per lane
constexpr int kWarpsPerBlock = 4;

// The second half of a warp-per-row LayerNorm: lane `lane` holds the
// V-element vectors lane, lane + 32, ... of a row of `n` summed values in `v`
// and `sum` their partial sum; computes the row's mean and 1/std in double
// (warp butterflies, so every lane has the same bits) and writes
// (v - mean) * inv_std * scale + bias to `out` (bias may be nullptr).
template <typename T, int V, int kChunks>
__device__ __forceinline__ void NormalizeRowInRegisters(const float (&v)[kChunks][V], double sum,
                                                        int n, int lane, float epsilon,
                                                        const T* __restrict__ scale,
                                                        const T* __restrict__ bias,
                                                        T* __restrict__ out, double* mean_out,
                                                        double* inv_std_out) {
  const double mean = WarpSum(sum) / n;
  double sq = 0.0;
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    if ((c * kWarp + lane) * V < n) {
#pragma unroll
      for (int k = 0; k < V; ++k) {
        const double dev = v[c][k] - mean;
        sq += dev * dev;
      }
    }
  }
  const double inv_std = 1.0 / sqrt(WarpSum(sq) / n + static_cast<double>(epsilon));
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int e = (c * kWarp + lane) * V;
    if (e >= n) continue;
    const Pack<T, V> s = *reinterpret_cast<const Pack<T, V>*>(scale + e);
    Pack<T, V> b;
    if (bias != nullptr) b = *reinterpret_cast<const Pack<T, V>*>(bias + e);
    Pack<T, V> o;
#pragma unroll
    for (int k = 0; k < V; ++k) {
      double r = (v[c][k] - mean) * inv_std * LoadFloat(s.v, k);
      if (bias != nullptr) r += LoadFloat(b.v, k);
      StoreFloat(o.v, k, static_cast<float>(r));
    }
    *reinterpret_cast<Pack<T, V>*>(out + e) = o;
  }
  *mean_out = mean;
  *inv_std_out = inv_std;
}

// One warp per row; lane l holds the V-element vectors l, l + 32, ... of the
// row. Scale and B are dense over the normalized dims (offset = index in
// the row); V divides the row; every pointer is 16-byte aligned.
template <typename T, int V>
__global__ void LayerNormWarpKernel(int64_t rows, int n, float epsilon, const T* __restrict__ x,
                                    const T* __restrict__ skip, const T* __restrict__ scale, const T* __restrict__ bias,
                                    T* __restrict__ y, float* __restrict__ mean_out,
                                    float* __restrict__ inv_std_out) {
  constexpr int kChunks = kWarpRowElements / (kWarp * V);
  const int lane = threadIdx.x % kWarp;
  const int64_t first = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + threadIdx.x / kWarp;
  const int64_t step = static_cast<int64_t>(gridDim.x) * kWarpsPerBlock;
  for (int64_t row = first; row < rows; row += step) {
    const T* in = x + row * n;
    const T* skip_row = skip != nullptr ? skip + row * n : nullptr;
    float v[kChunks][V];
    double sum = 0.0;
#pragma unroll
    for (int c = 0; c < kChunks; ++c) {
      const int e = (c * kWarp + lane) * V;
      if (e < n) {
        const Pack<T, V> p = *reinterpret_cast<const Pack<T, V>*>(in + e);
#pragma unroll
        for (int k = 0; k < V; ++k) v[c][k] = LoadFloat(p.v, k);
        if (skip_row != nullptr) {  // X + Skip, summed in fp32 as cpu_ref's reference does
          const Pack<T, V> q = *reinterpret_cast<const Pack<T, V>*>(skip_row + e);
#pragma unroll
          for (int k = 0; k < V; ++k) v[c][k] += LoadFloat(q.v, k);
        }
#pragma unroll
        for (int k = 0; k < V; ++k) sum += v[c][k];
      }
    }
    double mean = 0.0, inv_std = 0.0;
    NormalizeRowInRegisters<T, V, kChunks>(v, sum, n, lane, epsilon, scale, bias, y + row * n,
                                           &mean, &inv_std);
    if (lane == 0) {
      mean_out[row] = static_cast<float>(mean);
      inv_std_out[row] = static_cast<float>(inv_std);
    }
  }
}

// True when `strides` are the row-major strides of the normalized dims.
bool Dense(const LayerNormShape& shape, const int64_t* strides) {
  int64_t stride = 1;
  for (int d = shape.norm_rank - 1; d >= 0; --d) {
    if (shape.norm_dims[d] != 1 && strides[d] != stride) return false;
    stride *= shape.norm_dims[d];
  }
  return true;
}

template <typename T>
bool LaunchLayerNormWarp(const LayerNormShape& shape, float epsilon, const void* x,
                         const void* skip, const void* scale, const void* bias, void* y, float* mean,
                         float* inv_std_dev, cudaStream_t stream) {
  constexpr int kVector = 16 / sizeof(T);
  auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  if (shape.row_size == 0 || shape.row_size > kWarpRowElements || shape.row_size % kVector != 0 ||
      !Dense(shape, shape.scale_strides) || (bias != nullptr && !Dense(shape, shape.bias_strides)) ||
      !aligned(x) || !aligned(scale) || !aligned(y) || (bias != nullptr && !aligned(bias)) ||
      (skip != nullptr && !aligned(skip))) {
    return false;
  }
  const int64_t blocks = (shape.rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  LayerNormWarpKernel<T, kVector>
      <<<static_cast<int>(blocks < kMaxBlocks ? blocks : kMaxBlocks), kWarpsPerBlock * kWarp, 0,
         stream>>>(shape.rows, static_cast<int>(shape.row_size), epsilon,
                   static_cast<const T*>(x), static_cast<const T*>(skip), static_cast<const T*>(scale),
                   static_cast<const T*>(bias), static_cast<T*>(y), mean, inv_std_dev);
  return true;
}

// ---- EmbeddingLayerNorm ----

__device__ __forceinline__ int64_t ReadId(const void* ids, bool is_64, int64_t i) {
  return is_64 ? static_cast<const int64_t*>(ids)[i]
               : static_cast<int64_t>(static_cast<const int32_t*>(ids)[i]);
}

// The row of `table` (`size` rows of `width`) that id `i` of `ids` names, or
// nullptr when the id is out of range.
template <typename T>
__device__ __forceinline__ const T* TableRow(const void* ids, bool is_64, int64_t i,
                                             const T* table, int64_t size, int width) {
  int64_t id = ReadId(ids, is_64, i);
  if (id < -size || id >= size) return nullptr;
  if (id < 0) id += size;
  return table + id * width;
}

// Adds the V elements at `e` of `row` (nullptr: zeros) to `v`.
template <typename T, int V>
__device__ __forceinline__ void AddRow(const T* row, int e, float (&v)[V]) {
  if (row == nullptr) return;
  const Pack<T, V> p = *reinterpret_cast<const Pack<T, V>*>(row + e);
#pragma unroll
  for (int k = 0; k < V; ++k) v[k] += LoadFloat(p.v, k);
}

// One warp per row, as LayerNormWarpKernel: lane l holds the V-element
// vectors l, l + 32, ... of the summed row.
template <typename T, int V>
__global__ void EmbedLayerNormKernel(EmbedLayerNormShape s, float epsilon,
                                     const void* __restrict__ ids, const T* __restrict__ table,
                                     const void* __restrict__ segment_ids,
                                     const T* __restrict__ segment_table,
                                     const T* __restrict__ addend, const T* __restrict__ scale,
                                     const T* __restrict__ bias, T* __restrict__ y) {
  constexpr int kChunks = kEmbedLayerNormMaxWidth / (kWarp * V);
  const int n = s.width;
  const int lane = threadIdx.x % kWarp;
  const int64_t first = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + threadIdx.x / kWarp;
  const int64_t step = static_cast<int64_t>(gridDim.x) * kWarpsPerBlock;
  for (int64_t row = first; row < s.rows; row += step) {
    const T* word = TableRow(ids, s.ids_64, row, table, s.table_rows, n);
    const T* segment = s.segment_rows > 0 ? TableRow(segment_ids, s.segment_ids_64, row,
                                                     segment_table, s.segment_rows, n)
                                          : nullptr;
    const T* extra = s.addend_rows > 0 ? addend + (row % s.addend_rows) * n : nullptr;
    float v[kChunks][V];
    double sum = 0.0;
#pragma unroll
    for (int c = 0; c < kChunks; ++c) {
      const int e = (c * kWarp + lane) * V;
      if (e < n) {
#pragma unroll
        for (int k = 0; k < V; ++k) v[c][k] = 0.0f;
        AddRow<T, V>(word, e, v[c]);
        AddRow<T, V>(segment, e, v[c]);
        AddRow<T, V>(extra, e, v[c]);
#pragma unroll
        for (int k = 0; k < V; ++k) sum += v[c][k];
      }
    }
    double mean = 0.0, inv_std = 0.0;
    NormalizeRowInRegisters<T, V, kChunks>(v, sum, n, lane, epsilon, scale, bias, y + row * n,
                                           &mean, &inv_std);
  }
}

template <typename T, int V>
void LaunchEmbedLayerNorm(const EmbedLayerNormShape& shape, float epsilon, const void* ids,
                          const void* table, const void* segment_ids, const void* segment_table,
                          const void* addend, const void* scale, const void* bias, void* y,
                          cudaStream_t stream) {
  const int64_t blocks = (shape.rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  EmbedLayerNormKernel<T, V>
      <<<static_cast<int>(blocks < kMaxBlocks ? blocks : kMaxBlocks), kWarpsPerBlock * kWarp, 0,
         stream>>>(shape, epsilon, ids, static_cast<const T*>(table), segment_ids,
                   static_cast<const T*>(segment_table), static_cast<const T*>(addend),
                   static_cast<const T*>(scale), static_cast<const T*>(bias), static_cast<T*>(y));
}

// 16-byte vectors where every pointer and the width allow them, else single
// elements.
template <typename T>
void DispatchEmbedLayerNorm(const EmbedLayerNormShape& shape, float epsilon, const void* ids,
                            const void* table, const void* segment_ids, const void* segment_table,
                            const void* addend, const void* scale, const void* bias, void* y,
                            cudaStream_t stream) {
  constexpr int kVector = 16 / sizeof(T);
  auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  if (shape.width % kVector == 0 && aligned(table) && aligned(segment_table) &&
      aligned(addend) && aligned(scale) && aligned(bias) && aligned(y)) {
    LaunchEmbedLayerNorm<T, kVector>(shape, epsilon, ids, table, segment_ids, segment_table,
                                     addend, scale, bias, y, stream);
  } else {
    LaunchEmbedLayerNorm<T, 1>(shape, epsilon, ids, table, segment_ids, segment_table, addend,
                               scale, bias, y, stream);
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
                      const void* skip, const void* scale, const void* bias, void* y,
                      float* mean, float* inv_std_dev, cudaStream_t stream) {
  if (shape.rows == 0) return cudaSuccess;
  const bool warp = dtype == kFloat16
                        ? LaunchLayerNormWarp<__half>(shape, epsilon, x, skip, scale, bias, y,
                                                      mean, inv_std_dev, stream)
                        : LaunchLayerNormWarp<float>(shape, epsilon, x, skip, scale, bias, y, mean,
                                                     inv_std_dev, stream);
  if (warp) return cudaGetLastError();
  const int threads = Threads(shape.row_size);
  if (dtype == kFloat16) {
    LayerNormKernel<__half><<<Blocks(shape.rows), threads, 0, stream>>>(
        shape, epsilon, static_cast<const __half*>(x), static_cast<const __half*>(skip),
        static_cast<const __half*>(scale),
        static_cast<const __half*>(bias), static_cast<__half*>(y), mean, inv_std_dev);
  } else {
    LayerNormKernel<float><<<Blocks(shape.rows), threads, 0, stream>>>(
        shape, epsilon, static_cast<const float*>(x), static_cast<const float*>(skip),
        static_cast<const float*>(scale),
        static_cast<const float*>(bias), static_cast<float*>(y), mean, inv_std_dev);
  }
  return cudaGetLastError();
}

cudaError_t EmbedLayerNorm(int dtype, const EmbedLayerNormShape& shape, float epsilon,
                           const void* ids, const void* table, const void* segment_ids,
                           const void* segment_table, const void* addend, const void* scale,
                           const void* bias, void* y, cudaStream_t stream) {
  if (shape.rows == 0 || shape.width == 0) return cudaSuccess;
  if (shape.width > kEmbedLayerNormMaxWidth) return cudaErrorInvalidValue;
  if (dtype == kFloat16) {
    DispatchEmbedLayerNorm<__half>(shape, epsilon, ids, table, segment_ids, segment_table, addend,
                                   scale, bias, y, stream);
  } else {
    DispatchEmbedLayerNorm<float>(shape, epsilon, ids, table, segment_ids, segment_table, addend,
                                  scale, bias, y, stream);
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
