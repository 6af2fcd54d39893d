#ifndef KILN_BACKENDS_CUDA_KERNELS_SEQUENCE_DEVICE_H_
#define KILN_BACKENDS_CUDA_KERNELS_SEQUENCE_DEVICE_H_

// Device helpers shared by linalg.cu, recurrent.cu and signal.cu (included
// by .cu files only).
#ifdef __CUDACC__

#include <cuda_fp16.h>

#include <cstdint>

namespace kiln {
namespace cuda {
namespace kernels {
namespace seq {

inline constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n elements.
inline int Blocks(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 * 32 ? blocks : 65535 * 32);
}

__device__ __forceinline__ int64_t GridStart() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t GridStride() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// Float tensors are float or __half in memory; arithmetic is in float.
__device__ __forceinline__ float Load(const float* p, int64_t i) { return p[i]; }
__device__ __forceinline__ float Load(const __half* p, int64_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void Store(float* p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void Store(__half* p, int64_t i, float v) { p[i] = __float2half_rn(v); }

}  // namespace seq
}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // __CUDACC__
#endif  // KILN_BACKENDS_CUDA_KERNELS_SEQUENCE_DEVICE_H_
