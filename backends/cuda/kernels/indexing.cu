// Indexing and data-movement kernels (indexing.h): tile, trilu, eye-like,
// one-hot, range, reverse-sequence, gather-elements, gather-nd and the
// scatters. One thread per output element where outputs are independent;
// scatters walk duplicates sequentially in cpu_ref's order.
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "backends/cuda/kernels/indexing.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kThreads = 256;

int Blocks(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 * 32 ? blocks : 65535 * 32);
}

// Runs `call` with T the unsigned type of `elem_size` bytes.
#define KILN_INDEXING_DISPATCH_ELEM(elem_size, call) \
  switch (elem_size) {                               \
    case 1: { using T = uint8_t; call; break; }      \
    case 2: { using T = uint16_t; call; break; }     \
    case 4: { using T = uint32_t; call; break; }     \
    case 8: { using T = uint64_t; call; break; }     \
    default: return cudaErrorInvalidValue;           \
  }

__device__ __forceinline__ int64_t GridStart() {
  return blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
}
__device__ __forceinline__ int64_t GridStep() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

template <typename Index>
__device__ __forceinline__ int64_t LoadIndex(const void* indices, int64_t i) {
  return static_cast<int64_t>(static_cast<const Index*>(indices)[i]);
}

template <typename T>
__global__ void TileKernel(TileShape shape, int64_t n, const T* __restrict__ in,
                           T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    int64_t rest = i, offset = 0, stride = 1;
    for (int d = shape.rank - 1; d >= 0; --d) {
      const int64_t coord = rest % shape.out_dims[d];
      rest /= shape.out_dims[d];
      offset += (coord % shape.in_dims[d]) * stride;
      stride *= shape.in_dims[d];
    }
    out[i] = in[offset];
  }
}

template <typename T>
__global__ void TriluKernel(int64_t n, int64_t rows, int64_t cols, bool upper, int64_t k,
                            const T* __restrict__ in, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t col = i % cols;
    const int64_t row = (i / cols) % rows;
    const int64_t diff = col - row;
    out[i] = (upper ? diff >= k : diff <= k) ? in[i] : static_cast<T>(0);
  }
}

template <typename T>
__global__ void EyeLikeKernel(int64_t n, int64_t cols, int64_t k, T one, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t row = i / cols, col = i - row * cols;
    out[i] = col == row + k ? one : static_cast<T>(0);
  }
}

// cpu_ref's ReadIndex for fp32 one-hot indices.
__device__ __forceinline__ int64_t OneHotIndex(const void* indices, int index_type, int64_t i) {
  if (index_type == 4) return LoadIndex<int64_t>(indices, i);
  if (index_type == 3) return LoadIndex<int32_t>(indices, i);
  const float v = static_cast<const float*>(indices)[i];
  return isfinite(v) && fabsf(v) < 9e18f ? static_cast<int64_t>(v) : INT64_MAX;
}

template <typename T>
__global__ void OneHotKernel(int64_t n, int64_t depth, int64_t inner, T off, T on,
                             int index_type, const void* __restrict__ indices,
                             T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t in_i = i % inner;
    const int64_t rest = i / inner;
    const int64_t j = rest % depth;
    const int64_t o = rest / depth;
    int64_t index = OneHotIndex(indices, index_type, o * inner + in_i);
    const bool hit = index >= -depth && index < depth;
    if (index < 0) index += depth;
    out[i] = hit && index == j ? on : off;
  }
}

__global__ void RangeKernel(int dtype, double start, double delta, int64_t n, void* out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    // Separate multiply and add: cpu_ref rounds the product before adding.
    const double v = __dadd_rn(start, __dmul_rn(static_cast<double>(i), delta));
    switch (dtype) {
      case 0: static_cast<float*>(out)[i] = __double2float_rn(v); break;
      case 1:
        static_cast<uint16_t*>(out)[i] = __half_as_ushort(__float2half_rn(__double2float_rn(v)));
        break;
      case 2: static_cast<int8_t*>(out)[i] = static_cast<int8_t>(llround(v)); break;
      case 3: static_cast<int32_t*>(out)[i] = static_cast<int32_t>(llround(v)); break;
      case 4: static_cast<int64_t*>(out)[i] = llround(v); break;
      default: break;
    }
  }
}

template <typename T, typename Len>
__global__ void ReverseSequenceKernel(int64_t n, int64_t d1, int64_t inner, bool batch_first,
                                      int64_t steps, const Len* __restrict__ lens,
                                      const T* __restrict__ in, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t j = i % inner;
    const int64_t row = i / inner;
    const int64_t a0 = row / d1, a1 = row - a0 * d1;
    const int64_t b = batch_first ? a0 : a1;
    const int64_t t = batch_first ? a1 : a0;
    int64_t length = static_cast<int64_t>(lens[b]);
    length = length < 0 ? 0 : (length > steps ? steps : length);
    const int64_t from = t < length ? length - 1 - t : t;
    const int64_t from_row = batch_first ? b * d1 + from : from * d1 + b;
    out[i] = in[from_row * inner + j];
  }
}

// Data offset of indices position `i` with the axis term left out, and its
// coordinate along the axis.
__device__ __forceinline__ int64_t ElementsBase(const ElementsShape& s, int64_t i) {
  int64_t rest = i, base = 0;
  for (int d = s.rank - 1; d >= 0; --d) {
    const int64_t coord = rest % s.idx_dims[d];
    rest /= s.idx_dims[d];
    if (d != s.axis) base += coord * s.data_strides[d];
  }
  return base;
}

template <typename T, typename Index>
__global__ void GatherElementsKernel(ElementsShape shape, int64_t n, const T* __restrict__ data,
                                     const Index* __restrict__ indices, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    int64_t index = static_cast<int64_t>(indices[i]);
    const bool valid = index >= -shape.axis_size && index < shape.axis_size;
    if (index < 0) index += shape.axis_size;
    out[i] = valid ? data[ElementsBase(shape, i) + index * shape.data_strides[shape.axis]]
                   : static_cast<T>(0);
  }
}

// Element offset of tuple `tuple` (its k coordinates normalized), or -1 when
// one is out of range.
template <typename Index>
__device__ __forceinline__ int64_t TupleOffset(const GatherNDShape& s,
                                               const Index* __restrict__ indices,
                                               int64_t tuple) {
  int64_t offset = 0;
  for (int j = 0; j < s.k; ++j) {
    int64_t index = static_cast<int64_t>(indices[tuple * s.k + j]);
    if (index < -s.sizes[j] || index >= s.sizes[j]) return -1;
    if (index < 0) index += s.sizes[j];
    offset += index * s.strides[j];
  }
  return offset;
}

template <typename T, typename Index>
__global__ void GatherNDKernel(GatherNDShape shape, int64_t n, const T* __restrict__ data,
                               const Index* __restrict__ indices, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t tuple = i / shape.slice, e = i - tuple * shape.slice;
    const int64_t batch = tuple / shape.tuples;
    const int64_t offset = TupleOffset(shape, indices, tuple);
    out[i] = offset < 0 ? static_cast<T>(0) : data[batch * shape.batch_stride + offset + e];
  }
}

// ---- Scatter combine, as cpu_ref's Combine: integers wrap (in the unsigned
// type); max and min are std::max(old, update) and std::min(old, update),
// NaNs included. ----

template <typename Acc>
__device__ __forceinline__ Acc CombineFloat(int r, Acc old_value, Acc update) {
  switch (r) {
    case 1: return __fadd_rn(old_value, update);
    case 2: return __fmul_rn(old_value, update);
    case 3: return old_value < update ? update : old_value;  // std::max(old, update)
    case 4: return update < old_value ? update : old_value;  // std::min(old, update)
    default: return update;
  }
}

template <typename Int>
__device__ __forceinline__ Int CombineInt(int r, Int old_value, Int update) {
  using U = typename std::make_unsigned<Int>::type;
  switch (r) {
    case 1: return static_cast<Int>(static_cast<U>(old_value) + static_cast<U>(update));
    case 2: return static_cast<Int>(static_cast<U>(old_value) * static_cast<U>(update));
    case 3: return old_value < update ? update : old_value;
    case 4: return update < old_value ? update : old_value;
    default: return update;
  }
}

// Combines `update` into *target. The primary template is "none" on
// elements moved as unsigned integers of their size; the reductions
// specialize it (fp16 combined in fp32 and rounded to nearest even).
template <typename T>
__device__ __forceinline__ void Apply(int, T* target, T update) {
  *target = update;
}

template <>
__device__ __forceinline__ void Apply<float>(int r, float* target, float update) {
  *target = CombineFloat(r, *target, update);
}
template <>
__device__ __forceinline__ void Apply<__half>(int r, __half* target, __half update) {
  *target = __float2half_rn(CombineFloat(r, __half2float(*target), __half2float(update)));
}
template <>
__device__ __forceinline__ void Apply<int8_t>(int r, int8_t* target, int8_t update) {
  *target = CombineInt(r, *target, update);
}
template <>
__device__ __forceinline__ void Apply<int32_t>(int r, int32_t* target, int32_t update) {
  *target = CombineInt(r, *target, update);
}
template <>
__device__ __forceinline__ void Apply<int64_t>(int r, int64_t* target, int64_t update) {
  *target = CombineInt(r, *target, update);
}

// `T` is the stored type for reductions, or an unsigned type of the
// element's size for "none" (reduction 0, a plain copy).
template <typename T, typename Index>
__global__ void ScatterElementsKernel(ElementsShape shape, int64_t lines, int reduction,
                                      const Index* __restrict__ indices,
                                      const T* __restrict__ updates, T* __restrict__ out) {
  const int64_t line_len = shape.idx_dims[shape.axis];
  int64_t inner = 1;  // indices elements between steps along the axis
  for (int d = shape.axis + 1; d < shape.rank; ++d) inner *= shape.idx_dims[d];
  const int64_t axis_stride = shape.data_strides[shape.axis];
  for (int64_t line = GridStart(); line < lines; line += GridStep()) {
    const int64_t first = (line / inner) * line_len * inner + line % inner;
    const int64_t base = ElementsBase(shape, first);
    for (int64_t j = 0; j < line_len; ++j) {
      const int64_t i = first + j * inner;
      int64_t index = static_cast<int64_t>(indices[i]);
      if (index < -shape.axis_size || index >= shape.axis_size) continue;
      if (index < 0) index += shape.axis_size;
      Apply<T>(reduction, out + base + index * axis_stride, updates[i]);
    }
  }
}

template <typename T, typename Index>
__global__ void ScatterNDKernel(GatherNDShape shape, int reduction,
                                const Index* __restrict__ indices, const T* __restrict__ updates,
                                T* __restrict__ out) {
  for (int64_t e = GridStart(); e < shape.slice; e += GridStep()) {
    for (int64_t t = 0; t < shape.tuples; ++t) {
      const int64_t offset = TupleOffset(shape, indices, t);
      if (offset < 0) continue;
      Apply<T>(reduction, out + offset + e, updates[t * shape.slice + e]);
    }
  }
}

template <typename T, typename Index>
cudaError_t LaunchScatterElements(int reduction, const ElementsShape& shape, int64_t lines,
                                  const void* indices, const void* updates, void* out,
                                  cudaStream_t stream) {
  ScatterElementsKernel<T, Index><<<Blocks(lines), kThreads, 0, stream>>>(
      shape, lines, reduction, static_cast<const Index*>(indices),
      static_cast<const T*>(updates), static_cast<T*>(out));
  return cudaGetLastError();
}

template <typename T, typename Index>
cudaError_t LaunchScatterND(int reduction, const GatherNDShape& shape, const void* indices,
                            const void* updates, void* out, cudaStream_t stream) {
  ScatterNDKernel<T, Index><<<Blocks(shape.slice), kThreads, 0, stream>>>(
      shape, reduction, static_cast<const Index*>(indices), static_cast<const T*>(updates),
      static_cast<T*>(out));
  return cudaGetLastError();
}

// Calls Launch<T, Index>(...) with T the element type a scatter combines in
// (an unsigned type of the element's size for "none").
#define KILN_SCATTER_DISPATCH(launch, dtype, reduction, index_is_64, ...)                       \
  do {                                                                                          \
    if ((reduction) == 0) {                                                                     \
      switch (dtype) {                                                                          \
        case 0: case 3:                                                                         \
          return (index_is_64) ? launch<uint32_t, int64_t>(__VA_ARGS__)                         \
                               : launch<uint32_t, int32_t>(__VA_ARGS__);                        \
        case 1:                                                                                 \
          return (index_is_64) ? launch<uint16_t, int64_t>(__VA_ARGS__)                         \
                               : launch<uint16_t, int32_t>(__VA_ARGS__);                        \
        case 2: case 5:                                                                         \
          return (index_is_64) ? launch<uint8_t, int64_t>(__VA_ARGS__)                          \
                               : launch<uint8_t, int32_t>(__VA_ARGS__);                         \
        case 4:                                                                                 \
          return (index_is_64) ? launch<uint64_t, int64_t>(__VA_ARGS__)                         \
                               : launch<uint64_t, int32_t>(__VA_ARGS__);                        \
        default: return cudaErrorInvalidValue;                                                  \
      }                                                                                         \
    }                                                                                           \
    switch (dtype) {                                                                            \
      case 0:                                                                                   \
        return (index_is_64) ? launch<float, int64_t>(__VA_ARGS__)                              \
                             : launch<float, int32_t>(__VA_ARGS__);                             \
      case 1:                                                                                   \
        return (index_is_64) ? launch<__half, int64_t>(__VA_ARGS__)                             \
                             : launch<__half, int32_t>(__VA_ARGS__);                            \
      case 2:                                                                                   \
        return (index_is_64) ? launch<int8_t, int64_t>(__VA_ARGS__)                             \
                             : launch<int8_t, int32_t>(__VA_ARGS__);                            \
      case 3:                                                                                   \
        return (index_is_64) ? launch<int32_t, int64_t>(__VA_ARGS__)                            \
                             : launch<int32_t, int32_t>(__VA_ARGS__);                           \
      case 4:                                                                                   \
        return (index_is_64) ? launch<int64_t, int64_t>(__VA_ARGS__)                            \
                             : launch<int64_t, int32_t>(__VA_ARGS__);                           \
      default: return cudaErrorInvalidValue;                                                    \
    }                                                                                           \
  } while (0)

}  // namespace

cudaError_t Tile(int elem_size, const TileShape& shape, const void* in, void* out,
                 cudaStream_t stream) {
  if (shape.rank < 0 || shape.rank > kMaxRank) return cudaErrorInvalidValue;
  int64_t n = 1;
  for (int d = 0; d < shape.rank; ++d) n *= shape.out_dims[d];
  if (n == 0) return cudaSuccess;
  KILN_INDEXING_DISPATCH_ELEM(elem_size, (TileKernel<T><<<Blocks(n), kThreads, 0, stream>>>(
                                             shape, n, static_cast<const T*>(in),
                                             static_cast<T*>(out))));
  return cudaGetLastError();
}

cudaError_t Trilu(int elem_size, int64_t matrices, int64_t rows, int64_t cols, bool upper,
                  int64_t k, const void* in, void* out, cudaStream_t stream) {
  const int64_t n = matrices * rows * cols;
  if (n == 0) return cudaSuccess;
  KILN_INDEXING_DISPATCH_ELEM(elem_size, (TriluKernel<T><<<Blocks(n), kThreads, 0, stream>>>(
                                             n, rows, cols, upper, k, static_cast<const T*>(in),
                                             static_cast<T*>(out))));
  return cudaGetLastError();
}

cudaError_t EyeLike(int elem_size, uint64_t one, int64_t rows, int64_t cols, int64_t k,
                    void* out, cudaStream_t stream) {
  const int64_t n = rows * cols;
  if (n == 0) return cudaSuccess;
  KILN_INDEXING_DISPATCH_ELEM(elem_size, (EyeLikeKernel<T><<<Blocks(n), kThreads, 0, stream>>>(
                                             n, cols, k, static_cast<T>(one),
                                             static_cast<T*>(out))));
  return cudaGetLastError();
}

cudaError_t OneHot(int elem_size, uint64_t off, uint64_t on, int64_t outer, int64_t depth,
                   int64_t inner, int index_type, const void* indices, void* out,
                   cudaStream_t stream) {
  const int64_t n = outer * depth * inner;
  if (n == 0) return cudaSuccess;
  if (index_type != 0 && index_type != 3 && index_type != 4) return cudaErrorInvalidValue;
  KILN_INDEXING_DISPATCH_ELEM(elem_size, (OneHotKernel<T><<<Blocks(n), kThreads, 0, stream>>>(
                                             n, depth, inner, static_cast<T>(off),
                                             static_cast<T>(on), index_type, indices,
                                             static_cast<T*>(out))));
  return cudaGetLastError();
}

cudaError_t Range(int dtype, double start, double delta, int64_t n, void* out,
                  cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  if (dtype < 0 || dtype > 4) return cudaErrorInvalidValue;
  RangeKernel<<<Blocks(n), kThreads, 0, stream>>>(dtype, start, delta, n, out);
  return cudaGetLastError();
}

cudaError_t ReverseSequence(int elem_size, int64_t d0, int64_t d1, int64_t inner,
                            bool batch_first, const void* lens, bool lens_64, const void* in,
                            void* out, cudaStream_t stream) {
  const int64_t n = d0 * d1 * inner;
  if (n == 0) return cudaSuccess;
  const int64_t steps = batch_first ? d1 : d0;
  if (lens_64) {
    KILN_INDEXING_DISPATCH_ELEM(
        elem_size, (ReverseSequenceKernel<T, int64_t><<<Blocks(n), kThreads, 0, stream>>>(
                       n, d1, inner, batch_first, steps, static_cast<const int64_t*>(lens),
                       static_cast<const T*>(in), static_cast<T*>(out))));
  } else {
    KILN_INDEXING_DISPATCH_ELEM(
        elem_size, (ReverseSequenceKernel<T, int32_t><<<Blocks(n), kThreads, 0, stream>>>(
                       n, d1, inner, batch_first, steps, static_cast<const int32_t*>(lens),
                       static_cast<const T*>(in), static_cast<T*>(out))));
  }
  return cudaGetLastError();
}

cudaError_t GatherElements(int elem_size, const ElementsShape& shape, const void* data,
                           const void* indices, bool index_is_64, void* out, cudaStream_t stream) {
  if (shape.rank < 1 || shape.rank > kMaxRank) return cudaErrorInvalidValue;
  int64_t n = 1;
  for (int d = 0; d < shape.rank; ++d) n *= shape.idx_dims[d];
  if (n == 0) return cudaSuccess;
  if (index_is_64) {
    KILN_INDEXING_DISPATCH_ELEM(
        elem_size, (GatherElementsKernel<T, int64_t><<<Blocks(n), kThreads, 0, stream>>>(
                       shape, n, static_cast<const T*>(data),
                       static_cast<const int64_t*>(indices), static_cast<T*>(out))));
  } else {
    KILN_INDEXING_DISPATCH_ELEM(
        elem_size, (GatherElementsKernel<T, int32_t><<<Blocks(n), kThreads, 0, stream>>>(
                       shape, n, static_cast<const T*>(data),
                       static_cast<const int32_t*>(indices), static_cast<T*>(out))));
  }
  return cudaGetLastError();
}

cudaError_t GatherND(int elem_size, const GatherNDShape& shape, const void* data,
                     const void* indices, bool index_is_64, void* out, cudaStream_t stream) {
  if (shape.k < 1 || shape.k > kMaxRank) return cudaErrorInvalidValue;
  const int64_t n = shape.batches * shape.tuples * shape.slice;
  if (n == 0) return cudaSuccess;
  if (index_is_64) {
    KILN_INDEXING_DISPATCH_ELEM(elem_size,
                                (GatherNDKernel<T, int64_t><<<Blocks(n), kThreads, 0, stream>>>(
                                    shape, n, static_cast<const T*>(data),
                                    static_cast<const int64_t*>(indices), static_cast<T*>(out))));
  } else {
    KILN_INDEXING_DISPATCH_ELEM(elem_size,
                                (GatherNDKernel<T, int32_t><<<Blocks(n), kThreads, 0, stream>>>(
                                    shape, n, static_cast<const T*>(data),
                                    static_cast<const int32_t*>(indices), static_cast<T*>(out))));
  }
  return cudaGetLastError();
}

cudaError_t ScatterElements(int dtype, int reduction, const ElementsShape& shape,
                            const void* indices, bool index_is_64, const void* updates, void* out,
                            cudaStream_t stream) {
  if (shape.rank < 1 || shape.rank > kMaxRank || reduction < 0 || reduction > 4) {
    return cudaErrorInvalidValue;
  }
  int64_t n = 1;
  for (int d = 0; d < shape.rank; ++d) n *= shape.idx_dims[d];
  if (n == 0) return cudaSuccess;
  const int64_t lines = n / shape.idx_dims[shape.axis];
  KILN_SCATTER_DISPATCH(LaunchScatterElements, dtype, reduction, index_is_64, reduction, shape,
                        lines, indices, updates, out, stream);
}

cudaError_t ScatterND(int dtype, int reduction, const GatherNDShape& shape, const void* indices,
                      bool index_is_64, const void* updates, void* out, cudaStream_t stream) {
  if (shape.k < 1 || shape.k > kMaxRank || reduction < 0 || reduction > 4) {
    return cudaErrorInvalidValue;
  }
  if (shape.tuples == 0 || shape.slice == 0) return cudaSuccess;
  KILN_SCATTER_DISPATCH(LaunchScatterND, dtype, reduction, index_is_64, reduction, shape, indices,
                        updates, out, stream);
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
