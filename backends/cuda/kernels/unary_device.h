#ifndef KILN_BACKENDS_CUDA_KERNELS_UNARY_DEVICE_H_
#define KILN_BACKENDS_CUDA_KERNELS_UNARY_DEVICE_H_

// The Unary formulas of cpu_ref/unary.cc on the device, shared by the Unary
// kernel and the PointwiseChain kernel, so a fused chain computes what the
// Unary layer did. CUDA's libm stands in for <cmath>: abs, neg, ceil, floor,
// round and sign are bit-exact, sqrt and recip correctly rounded, the rest
// within a few ulp.

#ifdef __CUDACC__

#include <cuda_runtime.h>

namespace kiln {
namespace cuda {
namespace kernels {

// kiln::UnaryOp's order.
enum UnaryKind : int {
  kExp = 0, kLog, kSqrt, kRecip, kAbs, kNeg, kSin, kCos, kTan, kAsin, kAcos, kAtan, kSinh,
  kCosh, kAsinh, kAcosh, kAtanh, kCeil, kFloor, kRound, kErf, kSign,
};

template <int kOp>
__device__ __forceinline__ float ApplyUnary(float x) {
  if (kOp == kExp) return expf(x);
  if (kOp == kLog) return logf(x);
  if (kOp == kSqrt) return __fsqrt_rn(x);
  if (kOp == kRecip) return __fdiv_rn(1.0f, x);
  // Sign-bit and rounding ops keep a NaN's payload, as the host (cpu_ref)
  // does; the GPU's fabsf/neg/ceil instructions return the canonical NaN.
  if (kOp == kAbs) return __int_as_float(__float_as_int(x) & 0x7fffffff);
  if (kOp == kNeg) return __int_as_float(__float_as_int(x) ^ 0x80000000);
  if ((kOp == kCeil || kOp == kFloor || kOp == kRound) && x != x) return x;
  if (kOp == kSin) return sinf(x);
  if (kOp == kCos) return cosf(x);
  if (kOp == kTan) return tanf(x);
  if (kOp == kAsin) return asinf(x);
  if (kOp == kAcos) return acosf(x);
  if (kOp == kAtan) return atanf(x);
  if (kOp == kSinh) return sinhf(x);
  if (kOp == kCosh) return coshf(x);
  if (kOp == kAsinh) return asinhf(x);
  if (kOp == kAcosh) return acoshf(x);
  if (kOp == kAtanh) return atanhf(x);
  if (kOp == kCeil) return ceilf(x);
  if (kOp == kFloor) return floorf(x);
  if (kOp == kRound) return rintf(x);  // halves to even, like nearbyint
  if (kOp == kErf) return erff(x);
  return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;  // kSign: keeps 0, -0, NaN
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // __CUDACC__

#endif  // KILN_BACKENDS_CUDA_KERNELS_UNARY_DEVICE_H_
