// Binary element-wise ops with numpy broadcasting: one thread per output
// element, the operand offsets recovered from the output index. The shapes
// networks mostly have get a faster path (PeriodicKernel): each operand is
// either dense or repeats with a period (broadcast over the leading dims, a
// bias over [..., N]), so its offset is the output index or the index modulo
// the period, taken once per 16-byte vector of outputs where sizes and
// alignment allow (the general kernel divides per dim per element and ran a
// BERT bias add at a sixth of memory bandwidth). fp16 is
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

// Each operand dense (period 0: offset = output index) or repeating every
// `period` elements (offset = index % period); V outputs per thread, with V
// dividing n and both periods, and every pointer aligned to V elements.
template <int kOp, typename T, int V>
__global__ void PeriodicKernel(int64_t vectors, int64_t a_period, int64_t b_period,
                               const T* __restrict__ a, const T* __restrict__ b,
                               T* __restrict__ out) {
  for (int64_t v = GridStart(); v < vectors; v += GridStep()) {
    const int64_t i = v * V;
    const Pack<T, V> pa = *reinterpret_cast<const Pack<T, V>*>(a + (a_period > 0 ? i % a_period : i));
    const Pack<T, V> pb = *reinterpret_cast<const Pack<T, V>*>(b + (b_period > 0 ? i % b_period : i));
    Pack<T, V> po;
#pragma unroll
    for (int k = 0; k < V; ++k) Compute<kOp>(pa.v, k, pb.v, k, po.v, k);
    *reinterpret_cast<Pack<T, V>*>(out + i) = po;
  }
}

// The period of an operand with strides `strides` over the output dims: 0
// when it is dense (its offset is the output index), the volume of its dense
// trailing dims when it is broadcast over all the dims before them, -1
// otherwise (the general kernel).
int64_t Period(const BroadcastShape& shape, const int64_t* strides) {
  int64_t stride = 1;
  int d = shape.rank - 1;
  for (; d >= 0; --d) {  // the dense trailing dims
    if (shape.out_dims[d] != 1 && strides[d] != stride) break;
    stride *= shape.out_dims[d];
  }
  if (d < 0) return 0;
  for (int e = d; e >= 0; --e) {  // the rest must all broadcast
    if (shape.out_dims[e] != 1 && strides[e] != 0) return -1;
  }
  return stride;
}

template <typename T>
bool Aligned(const T* p, int v) {
  return reinterpret_cast<uintptr_t>(p) % (sizeof(T) * v) == 0;
}

template <int kOp, typename T>
cudaError_t Launch(const BroadcastShape& shape, int64_t n, const T* a, const T* b, T* out,
                   cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  const int64_t a_period = Period(shape, shape.a_strides);
  const int64_t b_period = Period(shape, shape.b_strides);
  if (a_period >= 0 && b_period >= 0) {
    constexpr int kVector = sizeof(T) <= 16 ? 16 / sizeof(T) : 1;
    const bool vector = n % kVector == 0 && a_period % kVector == 0 &&
                        b_period % kVector == 0 && Aligned(a, kVector) && Aligned(b, kVector) &&
                        Aligned(out, kVector);
    if (vector) {
      PeriodicKernel<kOp, T, kVector><<<GridBlocks(n / kVector), kFloatIoThreads, 0, stream>>>(
          n / kVector, a_period, b_period, a, b, out);
    } else {
      PeriodicKernel<kOp, T, 1><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(
          n, a_period, b_period, a, b, out);
    }
    return cudaGetLastError();
  }
  BroadcastKernel<kOp, T><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(shape, n, a, b, out);
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
