// Binary element-wise ops with numpy broadcasting: one thread per output
// element, the operand offsets recovered from the output index. fp16 is
// computed in fp32 and rounded once at the store; int32/int64 as cpu_ref
// computes them (wrapping arithmetic, x / 0 = 0, integer pow).
#include <type_traits>

#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

template <int kOp>
__device__ __forceinline__ float Apply(float a, float b) {
  if (kOp == kSum) return a + b;
  if (kOp == kSub) return a - b;
  if (kOp == kProd) return a * b;
  if (kOp == kDiv) return a / b;
  if (kOp == kMax) return fmaxf(a, b);
  if (kOp == kMin) return fminf(a, b);
  return powf(a, b);
}

// Integers: the arithmetic in the unsigned type, so overflow wraps (as
// cpu_ref.element_wise.direct); x / 0 is 0 and MIN / -1 wraps.
template <typename T>
__device__ __forceinline__ T IntMul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
}

template <typename T>
__device__ __forceinline__ T IntPow(T base, T exponent) {
  if (exponent < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exponent % 2 == 0) ? 1 : -1;
    return 0;  // |1 / base^|exponent|| < 1 truncates to 0; base 0 too, as cpu_ref
  }
  T result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = IntMul(result, base);
    base = IntMul(base, base);
    exponent >>= 1;
  }
  return result;
}

template <int kOp, typename T>
__device__ __forceinline__ T ApplyInt(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if (kOp == kSum) return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  if (kOp == kSub) return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  if (kOp == kProd) return IntMul(a, b);
  if (kOp == kDiv) {
    if (b == 0) return 0;
    if (b == -1) return static_cast<T>(static_cast<U>(U{0} - static_cast<U>(a)));
    return a / b;
  }
  if (kOp == kMax) return a > b ? a : b;
  if (kOp == kMin) return a < b ? a : b;
  return IntPow(a, b);
}

// out[i] = a[ai] op b[bi], in the storage type's arithmetic.
template <int kOp, typename T>
__device__ __forceinline__ void Compute(const T* a, int64_t ai, const T* b, int64_t bi, T* out,
                                        int64_t i) {
  if constexpr (std::is_integral<T>::value) {
    out[i] = ApplyInt<kOp>(a[ai], b[bi]);
  } else {
    StoreFloat(out, i, Apply<kOp>(LoadFloat(a, ai), LoadFloat(b, bi)));
  }
}

template <int kOp, typename T>
__global__ void BroadcastKernel(BroadcastShape shape, int64_t n, const T* __restrict__ a,
                                const T* __restrict__ b, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    int64_t rest = i, a_off = 0, b_off = 0;
    for (int d = shape.rank - 1; d >= 0; --d) {
      const int64_t coord = rest % shape.out_dims[d];
      rest /= shape.out_dims[d];
      a_off += coord * shape.a_strides[d];
      b_off += coord * shape.b_strides[d];
    }
    Compute<kOp>(a, a_off, b, b_off, out, i);
  }
}

// Both operands have the output's shape: no index arithmetic.
template <int kOp, typename T>
__global__ void SameShapeKernel(int64_t n, const T* __restrict__ a, const T* __restrict__ b,
                                T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    Compute<kOp>(a, i, b, i, out, i);
  }
}

template <int kOp, typename T>
cudaError_t Launch(const BroadcastShape& shape, int64_t n, const T* a, const T* b, T* out,
                   cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  const int blocks = GridBlocks(n);
  bool same = true;
  int64_t stride = 1;
  for (int d = shape.rank - 1; d >= 0; --d) {
    if (shape.out_dims[d] != 1 &&
        (shape.a_strides[d] != stride || shape.b_strides[d] != stride)) {
      same = false;
    }
    stride *= shape.out_dims[d];
  }
  if (same) {
    SameShapeKernel<kOp, T><<<blocks, kFloatIoThreads, 0, stream>>>(n, a, b, out);
  } else {
    BroadcastKernel<kOp, T><<<blocks, kFloatIoThreads, 0, stream>>>(shape, n, a, b, out);
  }
  return cudaGetLastError();
}

}  // namespace

template <typename T>
cudaError_t ElementWise(int op, const BroadcastShape& shape, int64_t n, const T* a, const T* b,
                        T* out, cudaStream_t stream) {
  switch (op) {
    case kSum: return Launch<kSum>(shape, n, a, b, out, stream);
    case kSub: return Launch<kSub>(shape, n, a, b, out, stream);
    case kProd: return Launch<kProd>(shape, n, a, b, out, stream);
    case kDiv: return Launch<kDiv>(shape, n, a, b, out, stream);
    case kMax: return Launch<kMax>(shape, n, a, b, out, stream);
    case kMin: return Launch<kMin>(shape, n, a, b, out, stream);
    case kPow: return Launch<kPow>(shape, n, a, b, out, stream);
  }
  return cudaErrorInvalidValue;
}

template cudaError_t ElementWise<float>(int, const BroadcastShape&, int64_t, const float*,
                                        const float*, float*, cudaStream_t);
template cudaError_t ElementWise<__half>(int, const BroadcastShape&, int64_t, const __half*,
                                         const __half*, __half*, cudaStream_t);
template cudaError_t ElementWise<int32_t>(int, const BroadcastShape&, int64_t, const int32_t*,
                                          const int32_t*, int32_t*, cudaStream_t);
template cudaError_t ElementWise<int64_t>(int, const BroadcastShape&, int64_t, const int64_t*,
                                          const int64_t*, int64_t*, cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
