// Data-movement kernels: strided copy (transpose, slice), 2-D copy
// (concatenation), gather and padding. Elements are moved as unsigned
// integers of their size, so every dtype is copied bit for bit.
#include <cstdint>

#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kThreads = 256;

int Blocks(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 * 32 ? blocks : 65535 * 32);
}

// Calls Launch<T>(args...) with T the unsigned type of `elem_size` bytes.
#define KILN_DISPATCH_ELEM(elem_size, call)          \
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

// Index is int32_t when every output index and input offset fits (64-bit
// division is several times slower).
template <typename T, typename Index>
__global__ void StridedCopyKernel(StridedShape shape, Index n, const T* __restrict__ in,
                                  T* __restrict__ out) {
  Index dims[kMaxRank], strides[kMaxRank];
  for (int d = 0; d < shape.rank; ++d) {
    dims[d] = static_cast<Index>(shape.out_dims[d]);
    strides[d] = static_cast<Index>(shape.in_strides[d]);
  }
  const Index step = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = blockIdx.x * static_cast<Index>(blockDim.x) + threadIdx.x; i < n; i += step) {
    Index rest = i, offset = 0;
    for (int d = shape.rank - 1; d >= 0; --d) {
      offset += (rest % dims[d]) * strides[d];
      rest /= dims[d];
    }
    out[i] = in[offset];
  }
}

// Index is int32_t when rows * row_elems fits (64-bit division is several
// times slower); T is as wide as the rows, pitches and pointers allow (up to
// 16 bytes), so channel slices of NHWC tensors move in vector loads.
template <typename T, typename Index>
__global__ void Copy2DKernel(Index rows, Index row_elems, Index in_pitch, Index out_pitch,
                             const T* __restrict__ in, T* __restrict__ out) {
  const Index n = rows * row_elems;
  const Index step = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = blockIdx.x * static_cast<Index>(blockDim.x) + threadIdx.x; i < n; i += step) {
    const Index r = i / row_elems, j = i - r * row_elems;
    out[r * out_pitch + j] = in[r * in_pitch + j];
  }
}

template <typename T>
cudaError_t LaunchCopy2D(int64_t rows, int64_t row_elems, int64_t in_pitch, int64_t out_pitch,
                         const void* in, void* out, cudaStream_t stream) {
  const int64_t n = rows * row_elems;
  const int64_t last = (rows - 1) * (in_pitch > out_pitch ? in_pitch : out_pitch) + row_elems;
  if (n < (int64_t{1} << 31) && last < (int64_t{1} << 31)) {
    Copy2DKernel<T, int32_t><<<Blocks(n), kThreads, 0, stream>>>(
        static_cast<int32_t>(rows), static_cast<int32_t>(row_elems),
        static_cast<int32_t>(in_pitch), static_cast<int32_t>(out_pitch),
        static_cast<const T*>(in), static_cast<T*>(out));
  } else {
    Copy2DKernel<T, int64_t><<<Blocks(n), kThreads, 0, stream>>>(
        rows, row_elems, in_pitch, out_pitch, static_cast<const T*>(in), static_cast<T*>(out));
  }
  return cudaGetLastError();
}

template <typename T, typename Index>
__global__ void GatherKernel(int64_t outer, int64_t axis_size, int64_t inner,
                             int64_t num_indices, const Index* __restrict__ indices,
                             const T* __restrict__ data, T* __restrict__ out) {
  const int64_t n = outer * num_indices * inner;
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t j = i % inner;
    const int64_t rest = i / inner;
    const int64_t k = rest % num_indices;
    const int64_t o = rest / num_indices;
    int64_t index = static_cast<int64_t>(indices[k]);
    if (index < 0) index += axis_size;
    out[i] = (index >= 0 && index < axis_size) ? data[(o * axis_size + index) * inner + j]
                                               : static_cast<T>(0);
  }
}

template <typename T>
__global__ void PadKernel(PadShape shape, int64_t n, const T* __restrict__ in,
                          T* __restrict__ out) {
  const T value = static_cast<T>(shape.value);
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    int64_t rest = i, offset = 0, stride = 1;
    bool constant = false;
    for (int d = shape.rank - 1; d >= 0; --d) {
      const int64_t out_index = rest % shape.out_dims[d];
      rest /= shape.out_dims[d];
      const int64_t size = shape.in_dims[d];
      int64_t in_index = out_index - shape.begin[d];
      if (in_index < 0 || in_index >= size) {
        if (shape.mode == 0) {
          constant = true;
          break;
        }
        if (shape.mode == 2) {  // edge
          in_index = in_index < 0 ? 0 : size - 1;
        } else {  // reflect (shape inference keeps pads < size)
          in_index = in_index < 0 ? -in_index : 2 * (size - 1) - in_index;
        }
      }
      offset += in_index * stride;
      stride *= size;
    }
    out[i] = constant ? value : in[offset];
  }
}

template <typename T>
cudaError_t LaunchStrided(const StridedShape& shape, const void* in, void* out,
                          cudaStream_t stream) {
  int64_t n = 1, last = 0;  // elements; the largest input offset
  for (int d = 0; d < shape.rank; ++d) {
    n *= shape.out_dims[d];
    last += (shape.out_dims[d] - 1) * shape.in_strides[d];
  }
  if (n == 0) return cudaSuccess;
  if (n < (int64_t{1} << 31) && last < (int64_t{1} << 31)) {
    StridedCopyKernel<T, int32_t><<<Blocks(n), kThreads, 0, stream>>>(
        shape, static_cast<int32_t>(n), static_cast<const T*>(in), static_cast<T*>(out));
  } else {
    StridedCopyKernel<T, int64_t><<<Blocks(n), kThreads, 0, stream>>>(
        shape, n, static_cast<const T*>(in), static_cast<T*>(out));
  }
  return cudaGetLastError();
}

// `shape` with dims of size 1 dropped and neighbouring dims that are
// contiguous in the input merged (a transpose that keeps the last dims
// becomes a copy of runs), the same copy in fewer, larger dims.
StridedShape Simplified(const StridedShape& shape) {
  StridedShape merged;
  for (int d = 0; d < shape.rank; ++d) {
    const int64_t dim = shape.out_dims[d], stride = shape.in_strides[d];
    if (dim == 1) continue;
    const int last = merged.rank - 1;
    if (last >= 0 && merged.in_strides[last] == stride * dim) {
      merged.out_dims[last] *= dim;  // dim `last` steps over whole runs of dim d
      merged.in_strides[last] = stride;
      continue;
    }
    merged.out_dims[merged.rank] = dim;
    merged.in_strides[merged.rank] = stride;
    ++merged.rank;
  }
  return merged;
}

}  // namespace

cudaError_t StridedCopy(int elem_size, const StridedShape& shape, const void* in, void* out,
                        cudaStream_t stream) {
  if (shape.rank < 0 || shape.rank > kMaxRank) return cudaErrorInvalidValue;
  StridedShape simple = Simplified(shape);
  // Where the input runs of the innermost dim are contiguous, move them in
  // the widest word (<= 16 bytes) that divides the run, every stride and
  // both addresses.
  if (simple.rank > 0 && simple.in_strides[simple.rank - 1] == 1) {
    int width = 16;
    auto fits = [&](int w) {
      if (w % elem_size != 0 || (simple.out_dims[simple.rank - 1] * elem_size) % w != 0 ||
          reinterpret_cast<uintptr_t>(in) % w != 0 || reinterpret_cast<uintptr_t>(out) % w != 0) {
        return false;
      }
      for (int d = 0; d + 1 < simple.rank; ++d) {
        if ((simple.in_strides[d] * elem_size) % w != 0) return false;
      }
      return true;
    };
    while (width > elem_size && !fits(width)) width /= 2;
    if (width > elem_size) {
      const int64_t k = width / elem_size;  // elements per word
      simple.out_dims[simple.rank - 1] /= k;
      for (int d = 0; d + 1 < simple.rank; ++d) simple.in_strides[d] /= k;
      if (width == 16) return LaunchStrided<uint4>(simple, in, out, stream);
      elem_size = width;
    }
  }
  KILN_DISPATCH_ELEM(elem_size, return LaunchStrided<T>(simple, in, out, stream));
  return cudaSuccess;
}

cudaError_t Copy2D(int elem_size, int64_t rows, int64_t row_elems, int64_t in_pitch,
                   int64_t out_pitch, const void* in, void* out, cudaStream_t stream) {
  if (rows * row_elems == 0) return cudaSuccess;
  if (elem_size != 1 && elem_size != 2 && elem_size != 4 && elem_size != 8) {
    return cudaErrorInvalidValue;
  }
  // The widest word (<= 16 bytes) that divides every row, pitch and address.
  int width = 16;
  auto fits = [&](int w) {
    return (row_elems * elem_size) % w == 0 && (in_pitch * elem_size) % w == 0 &&
           (out_pitch * elem_size) % w == 0 && reinterpret_cast<uintptr_t>(in) % w == 0 &&
           reinterpret_cast<uintptr_t>(out) % w == 0;
  };
  while (width > elem_size && !fits(width)) width /= 2;
  const int64_t k = width / elem_size;  // elements per word
  row_elems /= k;
  in_pitch /= k;
  out_pitch /= k;
  switch (width) {
    case 1: return LaunchCopy2D<uint8_t>(rows, row_elems, in_pitch, out_pitch, in, out, stream);
    case 2: return LaunchCopy2D<uint16_t>(rows, row_elems, in_pitch, out_pitch, in, out, stream);
    case 4: return LaunchCopy2D<uint32_t>(rows, row_elems, in_pitch, out_pitch, in, out, stream);
    case 8: return LaunchCopy2D<uint2>(rows, row_elems, in_pitch, out_pitch, in, out, stream);
    default: return LaunchCopy2D<uint4>(rows, row_elems, in_pitch, out_pitch, in, out, stream);
  }
}

cudaError_t Gather(int elem_size, int64_t outer, int64_t axis_size, int64_t inner,
                   int64_t num_indices, const void* indices, bool index_is_64, const void* data,
                   void* out, cudaStream_t stream) {
  const int64_t n = outer * num_indices * inner;
  if (n == 0) return cudaSuccess;
  if (index_is_64) {
    KILN_DISPATCH_ELEM(elem_size, (GatherKernel<T, int64_t><<<Blocks(n), kThreads, 0, stream>>>(
                                      outer, axis_size, inner, num_indices,
                                      static_cast<const int64_t*>(indices),
                                      static_cast<const T*>(data), static_cast<T*>(out))));
  } else {
    KILN_DISPATCH_ELEM(elem_size, (GatherKernel<T, int32_t><<<Blocks(n), kThreads, 0, stream>>>(
                                      outer, axis_size, inner, num_indices,
                                      static_cast<const int32_t*>(indices),
                                      static_cast<const T*>(data), static_cast<T*>(out))));
  }
  return cudaGetLastError();
}

cudaError_t Pad(int elem_size, const PadShape& shape, const void* in, void* out,
                cudaStream_t stream) {
  if (shape.rank < 1 || shape.rank > kMaxRank) return cudaErrorInvalidValue;
  int64_t n = 1;
  for (int d = 0; d < shape.rank; ++d) n *= shape.out_dims[d];
  if (n == 0) return cudaSuccess;
  KILN_DISPATCH_ELEM(elem_size, (PadKernel<T><<<Blocks(n), kThreads, 0, stream>>>(
                                    shape, n, static_cast<const T*>(in), static_cast<T*>(out))));
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
