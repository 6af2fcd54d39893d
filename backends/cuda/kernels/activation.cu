// Activations, one thread per element, the formulas of cpu_ref/activation.cc
// (fp16 computed in fp32, rounded once at the store).
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

// kiln::ActivationType's order.
enum Type : int {
  kRelu = 0, kSigmoid, kTanh, kLeakyRelu, kElu, kSelu, kClip, kSoftplus, kSoftsign,
  kHardSigmoid, kScaledTanh, kThresholdedRelu, kGelu, kHardSwish,
};

template <int kType>
__device__ __forceinline__ float Apply(float x, float alpha, float beta) {
  if (kType == kRelu) return x > 0.0f ? x : 0.0f;
  if (kType == kSigmoid) return 1.0f / (1.0f + expf(-x));
  if (kType == kTanh) return tanhf(x);
  if (kType == kLeakyRelu) return x < 0.0f ? __fmul_rn(alpha, x) : x;
  if (kType == kElu) return x < 0.0f ? alpha * expm1f(x) : x;
  if (kType == kSelu) return beta * (x < 0.0f ? alpha * expm1f(x) : x);
  if (kType == kClip) {  // std::min(std::max(x, alpha), beta) as cpu_ref: NaN passes through
    const float lo = x < alpha ? alpha : x;
    return beta < lo ? beta : lo;
  }
  if (kType == kSoftplus) return x > 20.0f ? x : log1pf(expf(x));
  if (kType == kSoftsign) return x / (1.0f + fabsf(x));
  if (kType == kHardSigmoid) return fmaxf(0.0f, fminf(1.0f, alpha * x + beta));
  if (kType == kScaledTanh) return alpha * tanhf(beta * x);
  if (kType == kThresholdedRelu) return x > alpha ? x : 0.0f;
  if (kType == kGelu) return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
  return x * fmaxf(0.0f, fminf(1.0f, x / 6.0f + 0.5f));  // kHardSwish
}

template <int kType, typename T>
__global__ void ActivationKernel(int64_t n, float alpha, float beta, const T* __restrict__ in,
                                 T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    StoreFloat(out, i, Apply<kType>(LoadFloat(in, i), alpha, beta));
  }
}

template <int kType, typename T>
cudaError_t Launch(int64_t n, float alpha, float beta, const T* in, T* out,
                   cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  ActivationKernel<kType, T>
      <<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(n, alpha, beta, in, out);
  return cudaGetLastError();
}

}  // namespace

template <typename T>
cudaError_t Activation(int type, float alpha, float beta, int64_t n, const T* in, T* out,
                       cudaStream_t stream) {
  switch (type) {
#define KILN_ACTIVATION_CASE(t) \
  case t: return Launch<t, T>(n, alpha, beta, in, out, stream);
    KILN_ACTIVATION_CASE(kRelu)
    KILN_ACTIVATION_CASE(kSigmoid)
    KILN_ACTIVATION_CASE(kTanh)
    KILN_ACTIVATION_CASE(kLeakyRelu)
    KILN_ACTIVATION_CASE(kElu)
    KILN_ACTIVATION_CASE(kSelu)
    KILN_ACTIVATION_CASE(kClip)
    KILN_ACTIVATION_CASE(kSoftplus)
    KILN_ACTIVATION_CASE(kSoftsign)
    KILN_ACTIVATION_CASE(kHardSigmoid)
    KILN_ACTIVATION_CASE(kScaledTanh)
    KILN_ACTIVATION_CASE(kThresholdedRelu)
    KILN_ACTIVATION_CASE(kGelu)
    KILN_ACTIVATION_CASE(kHardSwish)
#undef KILN_ACTIVATION_CASE
  }
  return cudaErrorInvalidValue;
}

template cudaError_t Activation<float>(int, float, float, int64_t, const float*, float*,
                                       cudaStream_t);
template cudaError_t Activation<__half>(int, float, float, int64_t, const __half*, __half*,
                                        cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
