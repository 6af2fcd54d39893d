// LRN across channels, one thread per output element: the sum of squares
// over the channel window is accumulated in fp32 in ascending channel order
// without FMA, as cpu_ref does; fp16 is computed in fp32 and rounded once at
// the store.
#include <cstdint>

#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

template <typename T>
__global__ void LrnKernel(int64_t n, int64_t channels, int64_t plane, int64_t before,
                          int64_t after, float scale, float beta, float bias,
                          const T* __restrict__ in, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t p = i % plane;
    const int64_t c = (i / plane) % channels;
    const int64_t batch = i / (plane * channels);
    const T* x = in + batch * channels * plane + p;
    const int64_t first = c - before < 0 ? 0 : c - before;
    const int64_t last = c + after > channels - 1 ? channels - 1 : c + after;
    float sum_sq = 0.0f;
    for (int64_t j = first; j <= last; ++j) {
      const float v = LoadFloat(x, j * plane);
      sum_sq = __fadd_rn(sum_sq, __fmul_rn(v, v));
    }
    StoreFloat(out, i, LoadFloat(in, i) / powf(__fadd_rn(bias, __fmul_rn(scale, sum_sq)), beta));
  }
}

}  // namespace

template <typename T>
cudaError_t Lrn(int64_t batches, int64_t channels, int64_t plane, int64_t size, float alpha,
                float beta, float bias, const T* in, T* out, cudaStream_t stream) {
  const int64_t n = batches * channels * plane;
  if (n == 0) return cudaSuccess;
  const int64_t before = (size - 1) / 2;
  const int64_t after = size - 1 - before;
  const float scale = alpha / static_cast<float>(size);
  LrnKernel<T><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(n, channels, plane, before, after,
                                                              scale, beta, bias, in, out);
  return cudaGetLastError();
}

template cudaError_t Lrn<float>(int64_t, int64_t, int64_t, int64_t, float, float, float,
                                const float*, float*, cudaStream_t);
template cudaError_t Lrn<__half>(int64_t, int64_t, int64_t, int64_t, float, float, float,
                                 const __half*, __half*, cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
