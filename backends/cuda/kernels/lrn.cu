// LRN across channels, one thread per output element: the sum of squares
// over the channel window is accumulated in fp32 in ascending channel order
// without FMA, as cpu_ref does.
#include <cstdint>

#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kThreads = 256;

__global__ void LrnKernel(int64_t n, int64_t channels, int64_t plane, int64_t before,
                          int64_t after, float scale, float beta, float bias,
                          const float* __restrict__ in, float* __restrict__ out) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t p = i % plane;
    const int64_t c = (i / plane) % channels;
    const int64_t batch = i / (plane * channels);
    const float* x = in + batch * channels * plane + p;
    const int64_t first = c - before < 0 ? 0 : c - before;
    const int64_t last = c + after > channels - 1 ? channels - 1 : c + after;
    float sum_sq = 0.0f;
    for (int64_t j = first; j <= last; ++j) {
      const float v = x[j * plane];
      sum_sq = __fadd_rn(sum_sq, __fmul_rn(v, v));
    }
    out[i] = in[i] / powf(__fadd_rn(bias, __fmul_rn(scale, sum_sq)), beta);
  }
}

}  // namespace

cudaError_t LrnFp32(int64_t batches, int64_t channels, int64_t plane, int64_t size, float alpha,
                    float beta, float bias, const float* in, float* out, cudaStream_t stream) {
  const int64_t n = batches * channels * plane;
  if (n == 0) return cudaSuccess;
  const int64_t before = (size - 1) / 2;
  const int64_t after = size - 1 - before;
  const float scale = alpha / static_cast<float>(size);
  const int64_t blocks64 = (n + kThreads - 1) / kThreads;
  const int blocks = static_cast<int>(blocks64 < 65535 * 32 ? blocks64 : 65535 * 32);
  LrnKernel<<<blocks, kThreads, 0, stream>>>(n, channels, plane, before, after, scale, beta, bias,
                                             in, out);
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
