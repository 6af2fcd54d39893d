// Unary math, one thread per element, CUDA's libm (the same functions as
// cpu_ref's <cmath>; the exact ops - abs, neg, ceil, floor, round, sign - are
// bit-exact, the rest within a few ulp). fp16 is computed in fp32 and
// rounded once at the store; NaN signs and payloads survive the fp16 loads
// and stores as they do on the host (float_io.h), so the exact ops stay
// bit-exact in fp16 too.
#include <cstdint>

#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

// kiln::UnaryOp's order.
enum Op : int {
  kExp = 0, kLog, kSqrt, kRecip, kAbs, kNeg, kSin, kCos, kTan, kAsin, kAcos, kAtan, kSinh,
  kCosh, kAsinh, kAcosh, kAtanh, kCeil, kFloor, kRound, kErf, kSign,
};

template <int kOp>
__device__ __forceinline__ float Apply(float x) {
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

template <int kOp, typename T>
__global__ void UnaryKernel(int64_t n, const T* __restrict__ in, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    StoreFloat(out, i, Apply<kOp>(LoadFloat(in, i)));
  }
}

template <int kOp, typename T>
cudaError_t Launch(int64_t n, const T* in, T* out, cudaStream_t stream) {
  UnaryKernel<kOp, T><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(n, in, out);
  return cudaGetLastError();
}

}  // namespace

template <typename T>
cudaError_t Unary(int op, int64_t n, const T* in, T* out, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  switch (op) {
#define KILN_UNARY_CASE(o) \
  case o: return Launch<o, T>(n, in, out, stream);
    KILN_UNARY_CASE(kExp)
    KILN_UNARY_CASE(kLog)
    KILN_UNARY_CASE(kSqrt)
    KILN_UNARY_CASE(kRecip)
    KILN_UNARY_CASE(kAbs)
    KILN_UNARY_CASE(kNeg)
    KILN_UNARY_CASE(kSin)
    KILN_UNARY_CASE(kCos)
    KILN_UNARY_CASE(kTan)
    KILN_UNARY_CASE(kAsin)
    KILN_UNARY_CASE(kAcos)
    KILN_UNARY_CASE(kAtan)
    KILN_UNARY_CASE(kSinh)
    KILN_UNARY_CASE(kCosh)
    KILN_UNARY_CASE(kAsinh)
    KILN_UNARY_CASE(kAcosh)
    KILN_UNARY_CASE(kAtanh)
    KILN_UNARY_CASE(kCeil)
    KILN_UNARY_CASE(kFloor)
    KILN_UNARY_CASE(kRound)
    KILN_UNARY_CASE(kErf)
    KILN_UNARY_CASE(kSign)
#undef KILN_UNARY_CASE
  }
  return cudaErrorInvalidValue;
}

template cudaError_t Unary<float>(int, int64_t, const float*, float*, cudaStream_t);
template cudaError_t Unary<__half>(int, int64_t, const __half*, __half*, cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
