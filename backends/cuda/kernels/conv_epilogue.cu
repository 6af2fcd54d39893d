// The epilogue of a convolution whose library call computed only the
// convolution: y = activation(y + bias[channel] + residual), in place, one
// thread per element, in fp32 (fp16 rounded once at the store). The bias is
// added to y as cpu_ref adds it, then the residual, then the activation with
// the Activation op's formulas (activation_device.h).
#include "backends/cuda/kernels/activation_device.h"
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kNoActivation = -1;

// `Index` is int32_t when n fits (64-bit division per element would cost more
// than the memory traffic).
template <int kType, typename T, typename Index>
__global__ void ConvEpilogueKernel(Index n, Index channels, Index inner,
                                   const T* __restrict__ bias, const T* __restrict__ residual,
                                   float alpha, float beta, T* __restrict__ y) {
  for (Index i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += static_cast<Index>(gridDim.x * blockDim.x)) {
    float v = LoadFloat(y, i);
    if (bias != nullptr) v += LoadFloat(bias, (i / inner) % channels);
    if (residual != nullptr) v += LoadFloat(residual, i);
    if (kType != kNoActivation) v = ApplyActivation<kType>(v, alpha, beta);
    StoreFloat(y, i, v);
  }
}

template <int kType, typename T>
cudaError_t Launch(int64_t n, int64_t channels, int64_t inner, const T* bias, const T* residual,
                   float alpha, float beta, T* y, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  if (n < 0x7fffffff - 65535LL * 32 * kFloatIoThreads) {
    ConvEpilogueKernel<kType, T, int32_t><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(
        static_cast<int32_t>(n), static_cast<int32_t>(channels), static_cast<int32_t>(inner),
        bias, residual, alpha, beta, y);
  } else {
    ConvEpilogueKernel<kType, T, int64_t><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(
        n, channels, inner, bias, residual, alpha, beta, y);
  }
  return cudaGetLastError();
}

}  // namespace

template <typename T>
cudaError_t ConvEpilogue(int64_t n, int64_t channels, int64_t inner, const T* bias,
                         const T* residual, int activation, float alpha, float beta, T* y,
                         cudaStream_t stream) {
  switch (activation) {
#define KILN_EPILOGUE_CASE(t) \
  case t: return Launch<t, T>(n, channels, inner, bias, residual, alpha, beta, y, stream);
    KILN_EPILOGUE_CASE(kNoActivation)
    KILN_EPILOGUE_CASE(kRelu)
    KILN_EPILOGUE_CASE(kSigmoid)
    KILN_EPILOGUE_CASE(kTanh)
    KILN_EPILOGUE_CASE(kLeakyRelu)
    KILN_EPILOGUE_CASE(kElu)
    KILN_EPILOGUE_CASE(kSelu)
    KILN_EPILOGUE_CASE(kClip)
    KILN_EPILOGUE_CASE(kSoftplus)
    KILN_EPILOGUE_CASE(kSoftsign)
    KILN_EPILOGUE_CASE(kHardSigmoid)
    KILN_EPILOGUE_CASE(kScaledTanh)
    KILN_EPILOGUE_CASE(kThresholdedRelu)
    KILN_EPILOGUE_CASE(kGelu)
    KILN_EPILOGUE_CASE(kHardSwish)
    KILN_EPILOGUE_CASE(kGeluTanh)
#undef KILN_EPILOGUE_CASE
  }
  return cudaErrorInvalidValue;
}

template cudaError_t ConvEpilogue<float>(int64_t, int64_t, int64_t, const float*, const float*,
                                         int, float, float, float*, cudaStream_t);
template cudaError_t ConvEpilogue<__half>(int64_t, int64_t, int64_t, const __half*,
                                          const __half*, int, float, float, __half*,
                                          cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
