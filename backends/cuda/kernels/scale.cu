// Scale: y = (x * scale + shift) ^ power, one thread per element. The
// multiply and add are rounded separately (no FMA), as cpu_ref computes them;
// fp16 is computed in fp32 and rounded once at the store.
#include <cstdint>

#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

template <typename T>
__global__ void ScaleKernel(int64_t n, int64_t count, int64_t inner, const T* __restrict__ x,
                            const T* __restrict__ shift, const T* __restrict__ scale,
                            const T* __restrict__ power, T* __restrict__ y) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t m = (i / inner) % count;
    float v = LoadFloat(x, i);
    if (scale != nullptr) v = __fmul_rn(v, LoadFloat(scale, m));
    if (shift != nullptr) v = __fadd_rn(v, LoadFloat(shift, m));
    StoreFloat(y, i, power != nullptr ? powf(v, LoadFloat(power, m)) : v);
  }
}

}  // namespace

template <typename T>
cudaError_t Scale(int64_t outer, int64_t count, int64_t inner, const T* x, const T* shift,
                  const T* scale, const T* power, T* y, cudaStream_t stream) {
  const int64_t n = outer * count * inner;
  if (n == 0) return cudaSuccess;
  ScaleKernel<T><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(n, count, inner, x, shift, scale,
                                                                power, y);
  return cudaGetLastError();
}

template cudaError_t Scale<float>(int64_t, int64_t, int64_t, const float*, const float*,
                                  const float*, const float*, float*, cudaStream_t);
template cudaError_t Scale<__half>(int64_t, int64_t, int64_t, const __half*, const __half*,
                                   const __half*, const __half*, __half*, cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
