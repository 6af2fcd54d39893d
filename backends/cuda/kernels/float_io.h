#ifndef KILN_BACKENDS_CUDA_KERNELS_FLOAT_IO_H_
#define KILN_BACKENDS_CUDA_KERNELS_FLOAT_IO_H_

// Device helpers of the element-wise family's .cu files (activation,
// element_wise, unary, pooling, softmax, reduce, scale, lrn; nvcc only):
// grid striding and access to float tensors stored as fp32 or fp16. fp16
// elements are computed in fp32 and rounded once at the store, as cpu_ref
// does.
//
// NaNs go through fp16 the way cpu_ref's host conversions (Eigen's half)
// take them, so selection and sign ops stay bit-exact: a load keeps the
// sign and the payload, a store keeps the sign and writes the quiet NaN
// 0x7e00. The hardware conversions may return the canonical NaN instead.

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace kiln {
namespace cuda {
namespace kernels {

constexpr int kFloatIoThreads = 256;

// Blocks for a grid-stride loop over n items of `threads` per block.
inline int GridBlocks(int64_t n, int64_t threads = kFloatIoThreads) {
  const int64_t blocks = (n + threads - 1) / threads;
  return static_cast<int>(blocks < 65535 * 32 ? blocks : 65535 * 32);
}

#ifdef __CUDACC__

__device__ __forceinline__ int64_t GridStart() {
  return blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
}
__device__ __forceinline__ int64_t GridStep() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

__device__ __forceinline__ float ToFloat(float v) { return v; }
__device__ __forceinline__ float ToFloat(__half v) {
  const uint32_t bits = __half_as_ushort(v);
  if ((bits & 0x7c00u) == 0x7c00u && (bits & 0x03ffu) != 0) {
    return __uint_as_float(((bits & 0x8000u) << 16) | 0x7f800000u | ((bits & 0x03ffu) << 13));
  }
  return __half2float(v);
}

// The hardware conversion: one instruction, where ToFloat's NaN check costs
// about ten. Only for values that go through float arithmetic (an add, a
// multiply, an FMA) before anything is stored: the GPU's fp32 arithmetic
// returns its canonical NaN whatever NaN it is given, so the payload ToFloat
// keeps would be lost there anyway and the stored result is the same bits.
// Selections (max, min, where, a copy) must use ToFloat.
__device__ __forceinline__ float ToFloatArith(float v) { return v; }
__device__ __forceinline__ float ToFloatArith(__half v) { return __half2float(v); }

template <typename T>
__device__ __forceinline__ T FromFloat(float v);
template <>
__device__ __forceinline__ float FromFloat<float>(float v) {
  return v;
}
template <>
__device__ __forceinline__ __half FromFloat<__half>(float v) {
  if (v != v) {
    return __ushort_as_half(static_cast<unsigned short>(((__float_as_uint(v) >> 16) & 0x8000u) |
                                                        0x7e00u));
  }
  return __float2half_rn(v);
}

// V consecutive elements of a tensor of T, as one aligned vector access.
template <typename T, int V>
struct alignas(sizeof(T) * V) Pack {
  T v[V];
};

template <typename T>
__device__ __forceinline__ float LoadFloat(const T* p, int64_t i) {
  return ToFloat(p[i]);
}
template <typename T>
__device__ __forceinline__ void StoreFloat(T* p, int64_t i, float v) {
  p[i] = FromFloat<T>(v);
}

#endif  // __CUDACC__

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_FLOAT_IO_H_
