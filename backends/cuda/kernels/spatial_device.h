#ifndef KILN_BACKENDS_CUDA_KERNELS_SPATIAL_DEVICE_H_
#define KILN_BACKENDS_CUDA_KERNELS_SPATIAL_DEVICE_H_

// Device helpers shared by the spatial-family .cu files (nvcc only): grid
// striding and fp32/fp16 element access.

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace kiln {
namespace cuda {
namespace kernels {
namespace spatial {

constexpr int kThreads = 256;

inline int Blocks(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 * 32 ? blocks : 65535 * 32);
}

__device__ __forceinline__ int64_t GridStart() {
  return blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
}
__device__ __forceinline__ int64_t GridStep() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// fp16 tensors are computed in fp32 and rounded once at the output.
__device__ __forceinline__ float Load(const float* p, int64_t i) { return p[i]; }
__device__ __forceinline__ float Load(const __half* p, int64_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void Store(float* p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void Store(__half* p, int64_t i, float v) { p[i] = __float2half_rn(v); }

}  // namespace spatial
}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_SPATIAL_DEVICE_H_
