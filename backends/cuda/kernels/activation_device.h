#ifndef KILN_BACKENDS_CUDA_KERNELS_ACTIVATION_DEVICE_H_
#define KILN_BACKENDS_CUDA_KERNELS_ACTIVATION_DEVICE_H_

// The activation formulas of cpu_ref/activation.cc on the device, shared by
// the Activation kernel and the kernels that apply a fused activation
// (the convolution epilogue), so a fused layer computes what the two did.

namespace kiln {
namespace cuda {
namespace kernels {

// kiln::ActivationType's order (checked by static_asserts in backends/cuda/activation.cc;
// visible to host code for that reason).
enum ActivationKind : int {
  kRelu = 0,
  kSigmoid,
  kTanh,
  kLeakyRelu,
  kElu,
  kSelu,
  kClip,
  kSoftplus,
  kSoftsign,
  kHardSigmoid,
  kScaledTanh,
  kThresholdedRelu,
  kGelu,
  kHardSwish,
  kGeluTanh,
};

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#ifdef __CUDACC__

#include <cuda_runtime.h>

namespace kiln {
namespace cuda {
namespace kernels {

template <int kType>
__device__ __forceinline__ float ApplyActivation(float x, float alpha, float beta) {
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
  if (kType == kGeluTanh) {
    return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
  }
  return x * fmaxf(0.0f, fminf(1.0f, x / 6.0f + 0.5f));  // kHardSwish
}

// ApplyActivation to each of the n values of `v`, with the type known only at
// run time (-1: none): one switch per call, not one per value, for kernels
// whose epilogue takes the layer's activation as data.
template <int n>
__device__ __forceinline__ void ApplyActivationToAll(int type, float (&v)[n], float alpha,
                                                     float beta) {
  switch (type) {
#define KILN_ACTIVATION_TO_ALL(t)                                                               \
  case t:                                                                                       \
    _Pragma("unroll") for (int i = 0; i < n; ++i) v[i] = ApplyActivation<t>(v[i], alpha, beta); \
    return;
    KILN_ACTIVATION_TO_ALL(kRelu)
    KILN_ACTIVATION_TO_ALL(kSigmoid)
    KILN_ACTIVATION_TO_ALL(kTanh)
    KILN_ACTIVATION_TO_ALL(kLeakyRelu)
    KILN_ACTIVATION_TO_ALL(kElu)
    KILN_ACTIVATION_TO_ALL(kSelu)
    KILN_ACTIVATION_TO_ALL(kClip)
    KILN_ACTIVATION_TO_ALL(kSoftplus)
    KILN_ACTIVATION_TO_ALL(kSoftsign)
    KILN_ACTIVATION_TO_ALL(kHardSigmoid)
    KILN_ACTIVATION_TO_ALL(kScaledTanh)
    KILN_ACTIVATION_TO_ALL(kThresholdedRelu)
    KILN_ACTIVATION_TO_ALL(kGelu)
    KILN_ACTIVATION_TO_ALL(kHardSwish)
    KILN_ACTIVATION_TO_ALL(kGeluTanh)
#undef KILN_ACTIVATION_TO_ALL
    default: return;  // -1: no activation
  }
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // __CUDACC__

#endif  // KILN_BACKENDS_CUDA_KERNELS_ACTIVATION_DEVICE_H_
