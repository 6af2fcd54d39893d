// Scale: y = (x * scale + shift) ^ power, one thread per element. The
// multiply and add are rounded separately (no FMA), as cpu_ref computes them.
#include <cstdint>

#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kThreads = 256;

__global__ void ScaleKernel(int64_t n, int64_t count, int64_t inner, const float* __restrict__ x,
                            const float* __restrict__ shift, const float* __restrict__ scale,
                            const float* __restrict__ power, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t m = (i / inner) % count;
    float v = x[i];
    if (scale != nullptr) v = __fmul_rn(v, scale[m]);
    if (shift != nullptr) v = __fadd_rn(v, shift[m]);
    y[i] = power != nullptr ? powf(v, power[m]) : v;
  }
}

}  // namespace

cudaError_t ScaleFp32(int64_t outer, int64_t count, int64_t inner, const float* x,
                      const float* shift, const float* scale, const float* power, float* y,
                      cudaStream_t stream) {
  const int64_t n = outer * count * inner;
  if (n == 0) return cudaSuccess;
  const int64_t blocks64 = (n + kThreads - 1) / kThreads;
  const int blocks = static_cast<int>(blocks64 < 65535 * 32 ? blocks64 : 65535 * 32);
  ScaleKernel<<<blocks, kThreads, 0, stream>>>(n, count, inner, x, shift, scale, power, y);
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
