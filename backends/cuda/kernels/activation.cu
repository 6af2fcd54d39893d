// Activations, one thread per element, the formulas of cpu_ref/activation.cc.
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
  if (kType == kClip) return fminf(fmaxf(x, alpha), beta);
  if (kType == kSoftplus) return x > 20.0f ? x : log1pf(expf(x));
  if (kType == kSoftsign) return x / (1.0f + fabsf(x));
  if (kType == kHardSigmoid) return fmaxf(0.0f, fminf(1.0f, alpha * x + beta));
  if (kType == kScaledTanh) return alpha * tanhf(beta * x);
  if (kType == kThresholdedRelu) return x > alpha ? x : 0.0f;
  if (kType == kGelu) return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
  return x * fmaxf(0.0f, fminf(1.0f, x / 6.0f + 0.5f));  // kHardSwish
}

template <int kType>
__global__ void ActivationKernel(int64_t n, float alpha, float beta,
                                 const float* __restrict__ in, float* __restrict__ out) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[i] = Apply<kType>(in[i], alpha, beta);
  }
}

template <int kType>
cudaError_t Launch(int64_t n, float alpha, float beta, const float* in, float* out,
                   cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  const int threads = 256;
  const int64_t blocks64 = (n + threads - 1) / threads;
  const int blocks = static_cast<int>(blocks64 < 65535 * 32 ? blocks64 : 65535 * 32);
  ActivationKernel<kType><<<blocks, threads, 0, stream>>>(n, alpha, beta, in, out);
  return cudaGetLastError();
}

}  // namespace

cudaError_t ActivationFp32(int type, float alpha, float beta, int64_t n, const float* in,
                           float* out, cudaStream_t stream) {
  switch (type) {
#define KILN_ACTIVATION_CASE(t) \
  case t: return Launch<t>(n, alpha, beta, in, out, stream);
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

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
