// Unary math, one thread per element, the formulas of unary_device.h (CUDA's
// libm for cpu_ref's <cmath>; the exact ops - abs, neg, ceil, floor, round,
// sign - are bit-exact, the rest within a few ulp). fp16 is computed in fp32 and
// rounded once at the store; NaN signs and payloads survive the fp16 loads
// and stores as they do on the host (float_io.h), so the exact ops stay
// bit-exact in fp16 too.
#include <cstdint>

#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/kernels/unary_device.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

template <int kOp, typename T>
__global__ void UnaryKernel(int64_t n, const T* __restrict__ in, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    StoreFloat(out, i, ApplyUnary<kOp>(LoadFloat(in, i)));
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
