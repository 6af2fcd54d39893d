// Element-wise kernels of the activation-like and element-wise families: one
// thread per output element (grid-stride), broadcast operand offsets
// recovered from the output index. Each functor below is cpu_ref's formula
// for one element.
#include <cuda_fp16.h>

#include <type_traits>

#include "backends/cuda/kernels/pointwise.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kFloat32 = 0;
constexpr int kFloat16 = 1;
constexpr int kInt8 = 2;
constexpr int kInt32 = 3;
constexpr int kInt64 = 4;
constexpr int kBool = 5;

constexpr int kThreads = 256;

int Blocks(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 * 32 ? blocks : 65535 * 32);
}

// Float storage: fp16 is widened to fp32 on load and rounded to nearest even
// on store, once per element (cpu_ref's Fp32Kernel staging).
__device__ __forceinline__ float Load(const float* p, int64_t i) { return p[i]; }
__device__ __forceinline__ float Load(const __half* p, int64_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void Store(float* p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void Store(__half* p, int64_t i, float v) { p[i] = __float2half_rn(v); }

// ---- unary float ops ----

template <typename T>
struct CeluFn {
  const T* in;
  T* out;
  float alpha;
  __device__ void operator()(int64_t i) const {
    const float x = Load(in, i);
    Store(out, i, fmaxf(0.0f, x) + fminf(0.0f, alpha * expm1f(x / alpha)));
  }
};

template <typename T>
struct ShrinkFn {
  const T* in;
  T* out;
  float lambd, bias;
  __device__ void operator()(int64_t i) const {
    const float x = Load(in, i);
    Store(out, i, x < -lambd ? x + bias : (x > lambd ? x - bias : 0.0f));
  }
};

template <typename T>
struct IsNanInfFn {
  const T* in;
  uint8_t* out;
  bool inf, detect_positive, detect_negative;
  __device__ void operator()(int64_t i) const {
    const float x = Load(in, i);
    bool hit;
    if (!inf) {
      hit = isnan(x);
    } else {
      hit = isinf(x) && (x > 0.0f ? detect_positive : detect_negative);
    }
    out[i] = hit ? 1 : 0;
  }
};

template <typename Fn>
__global__ void UnaryKernel(int64_t n, Fn fn) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    fn(i);
  }
}

template <typename Fn>
cudaError_t LaunchUnary(int64_t n, const Fn& fn, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  UnaryKernel<<<Blocks(n), kThreads, 0, stream>>>(n, fn);
  return cudaGetLastError();
}

// ---- broadcasting binary ops ----

// fn(i, a_offset, b_offset) for every output element i. kSame: both operands
// have the output's shape, so the offsets are i.
template <bool kSame, typename Fn>
__global__ void BinaryKernel(BroadcastShape shape, int64_t n, Fn fn) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (kSame) {
      fn(i, i, i);
      continue;
    }
    int64_t rest = i, a_off = 0, b_off = 0;
    for (int d = shape.rank - 1; d >= 0; --d) {
      const int64_t coord = rest % shape.out_dims[d];
      rest /= shape.out_dims[d];
      a_off += coord * shape.a_strides[d];
      b_off += coord * shape.b_strides[d];
    }
    fn(i, a_off, b_off);
  }
}

bool SameShape(const BroadcastShape& shape) {
  int64_t stride = 1;
  for (int d = shape.rank - 1; d >= 0; --d) {
    if (shape.out_dims[d] != 1 &&
        (shape.a_strides[d] != stride || shape.b_strides[d] != stride)) {
      return false;
    }
    stride *= shape.out_dims[d];
  }
  return true;
}

template <typename Fn>
cudaError_t LaunchBinary(const BroadcastShape& shape, int64_t n, const Fn& fn,
                         cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  if (SameShape(shape)) {
    BinaryKernel<true><<<Blocks(n), kThreads, 0, stream>>>(shape, n, fn);
  } else {
    BinaryKernel<false><<<Blocks(n), kThreads, 0, stream>>>(shape, n, fn);
  }
  return cudaGetLastError();
}

template <typename T>
struct PReluFn {
  const T* x;
  const T* slope;
  T* out;
  __device__ void operator()(int64_t i, int64_t x_off, int64_t slope_off) const {
    const float v = Load(x, x_off);
    Store(out, i, v < 0.0f ? Load(slope, slope_off) * v : v);
  }
};

// Compared values: fp16 as float, bool as false < true, the rest as stored.
template <typename T>
struct CompareLoad {
  using Value = T;
  __device__ static T Get(const T* p, int64_t i) { return p[i]; }
};
template <>
struct CompareLoad<__half> {
  using Value = float;
  __device__ static float Get(const __half* p, int64_t i) { return __half2float(p[i]); }
};
struct BoolValue {};
template <>
struct CompareLoad<BoolValue> {
  using Value = bool;
  __device__ static bool Get(const BoolValue* p, int64_t i) {
    return reinterpret_cast<const uint8_t*>(p)[i] != 0;
  }
};

// Same order as kiln::CompareOp.
enum CompareKind : int { kEqual = 0, kLess, kLessOrEqual, kGreater, kGreaterOrEqual };

template <typename T, int kOp>
struct CompareFn {
  const T* a;
  const T* b;
  uint8_t* out;
  __device__ void operator()(int64_t i, int64_t a_off, int64_t b_off) const {
    const auto x = CompareLoad<T>::Get(a, a_off);
    const auto y = CompareLoad<T>::Get(b, b_off);
    bool r;
    if (kOp == kEqual) {
      r = x == y;
    } else if (kOp == kLess) {
      r = x < y;
    } else if (kOp == kLessOrEqual) {
      r = x <= y;
    } else if (kOp == kGreater) {
      r = x > y;
    } else {
      r = x >= y;
    }
    out[i] = r ? 1 : 0;
  }
};

template <typename T>
cudaError_t CompareTyped(int op, const BroadcastShape& shape, int64_t n, const void* a,
                         const void* b, uint8_t* out, cudaStream_t stream) {
  const T* ta = static_cast<const T*>(a);
  const T* tb = static_cast<const T*>(b);
  switch (op) {
    case kEqual: return LaunchBinary(shape, n, CompareFn<T, kEqual>{ta, tb, out}, stream);
    case kLess: return LaunchBinary(shape, n, CompareFn<T, kLess>{ta, tb, out}, stream);
    case kLessOrEqual:
      return LaunchBinary(shape, n, CompareFn<T, kLessOrEqual>{ta, tb, out}, stream);
    case kGreater: return LaunchBinary(shape, n, CompareFn<T, kGreater>{ta, tb, out}, stream);
    case kGreaterOrEqual:
      return LaunchBinary(shape, n, CompareFn<T, kGreaterOrEqual>{ta, tb, out}, stream);
  }
  return cudaErrorInvalidValue;
}

// Same order as kiln::LogicalOp.
enum LogicalKind : int { kAnd = 0, kOr, kXor, kNot };

struct LogicalFn {
  const uint8_t* a;
  const uint8_t* b;
  uint8_t* out;
  int op;
  __device__ void operator()(int64_t i, int64_t a_off, int64_t b_off) const {
    const bool x = a[a_off] != 0;
    const bool y = b[b_off] != 0;
    bool r = false;
    if (op == kAnd) r = x && y;
    if (op == kOr) r = x || y;
    if (op == kXor) r = x != y;
    out[i] = r ? 1 : 0;
  }
};

struct NotFn {
  const uint8_t* a;
  uint8_t* out;
  __device__ void operator()(int64_t i) const { out[i] = a[i] == 0 ? 1 : 0; }
};

template <typename T>
struct FloatModFn {
  const T* a;
  const T* b;
  T* out;
  __device__ void operator()(int64_t i, int64_t a_off, int64_t b_off) const {
    Store(out, i, fmodf(Load(a, a_off), Load(b, b_off)));
  }
};

// cpu_ref's IntMod: b == -1 is 0 too (MIN % -1 overflows).
template <typename T>
struct IntModFn {
  const T* a;
  const T* b;
  T* out;
  bool floor;
  __device__ void operator()(int64_t i, int64_t a_off, int64_t b_off) const {
    const T x = a[a_off];
    const T y = b[b_off];
    if (y == 0 || y == -1) {
      out[i] = 0;
      return;
    }
    T r = static_cast<T>(x % y);
    if (floor && r != 0 && ((r < 0) != (y < 0))) r = static_cast<T>(r + y);
    out[i] = r;
  }
};

template <typename T>
struct BitShiftFn {
  const T* x;
  const T* y;
  T* out;
  bool left;
  int width;
  __device__ void operator()(int64_t i, int64_t x_off, int64_t y_off) const {
    using U = typename std::make_unsigned<T>::type;
    const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    const uint64_t value = static_cast<uint64_t>(static_cast<U>(x[x_off])) & mask;
    uint64_t shift = static_cast<uint64_t>(static_cast<U>(y[y_off]));
    if (width < 64) shift &= mask;
    uint64_t r = 0;
    // A shift by the width or more clears every bit.
    if (shift < static_cast<uint64_t>(width)) r = (left ? value << shift : value >> shift) & mask;
    out[i] = static_cast<T>(static_cast<U>(r));
  }
};

// ---- Where: three broadcast operands ----

template <typename T>
__global__ void WhereKernel(WhereShape shape, int64_t n, const uint8_t* __restrict__ cond,
                            const T* __restrict__ x, const T* __restrict__ y,
                            T* __restrict__ out) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t rest = i, c_off = 0, x_off = 0, y_off = 0;
    for (int d = shape.rank - 1; d >= 0; --d) {
      const int64_t coord = rest % shape.out_dims[d];
      rest /= shape.out_dims[d];
      c_off += coord * shape.cond_strides[d];
      x_off += coord * shape.x_strides[d];
      y_off += coord * shape.y_strides[d];
    }
    out[i] = cond[c_off] != 0 ? x[x_off] : y[y_off];
  }
}

template <typename T>
cudaError_t LaunchWhere(const WhereShape& shape, int64_t n, const uint8_t* cond, const void* x,
                        const void* y, void* out, cudaStream_t stream) {
  WhereKernel<T><<<Blocks(n), kThreads, 0, stream>>>(shape, n, cond, static_cast<const T*>(x),
                                                     static_cast<const T*>(y),
                                                     static_cast<T*>(out));
  return cudaGetLastError();
}

}  // namespace

cudaError_t Celu(int dtype, float alpha, int64_t n, const void* in, void* out,
                 cudaStream_t stream) {
  if (dtype == kFloat16) {
    return LaunchUnary(
        n, CeluFn<__half>{static_cast<const __half*>(in), static_cast<__half*>(out), alpha},
        stream);
  }
  return LaunchUnary(
      n, CeluFn<float>{static_cast<const float*>(in), static_cast<float*>(out), alpha}, stream);
}

cudaError_t Shrink(int dtype, float lambd, float bias, int64_t n, const void* in, void* out,
                   cudaStream_t stream) {
  if (dtype == kFloat16) {
    return LaunchUnary(n,
                       ShrinkFn<__half>{static_cast<const __half*>(in),
                                        static_cast<__half*>(out), lambd, bias},
                       stream);
  }
  return LaunchUnary(
      n, ShrinkFn<float>{static_cast<const float*>(in), static_cast<float*>(out), lambd, bias},
      stream);
}

cudaError_t IsNanInf(int dtype, bool inf, bool detect_positive, bool detect_negative, int64_t n,
                     const void* in, uint8_t* out, cudaStream_t stream) {
  if (dtype == kFloat16) {
    return LaunchUnary(n,
                       IsNanInfFn<__half>{static_cast<const __half*>(in), out, inf,
                                          detect_positive, detect_negative},
                       stream);
  }
  return LaunchUnary(n,
                     IsNanInfFn<float>{static_cast<const float*>(in), out, inf, detect_positive,
                                       detect_negative},
                     stream);
}

cudaError_t PRelu(int dtype, const BroadcastShape& shape, int64_t n, const void* x,
                  const void* slope, void* out, cudaStream_t stream) {
  if (dtype == kFloat16) {
    return LaunchBinary(shape, n,
                        PReluFn<__half>{static_cast<const __half*>(x),
                                        static_cast<const __half*>(slope),
                                        static_cast<__half*>(out)},
                        stream);
  }
  return LaunchBinary(shape, n,
                      PReluFn<float>{static_cast<const float*>(x),
                                     static_cast<const float*>(slope), static_cast<float*>(out)},
                      stream);
}

cudaError_t Where(int elem_size, const WhereShape& shape, int64_t n, const uint8_t* cond,
                  const void* x, const void* y, void* out, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  switch (elem_size) {
    case 1: return LaunchWhere<uint8_t>(shape, n, cond, x, y, out, stream);
    case 2: return LaunchWhere<uint16_t>(shape, n, cond, x, y, out, stream);
    case 4: return LaunchWhere<uint32_t>(shape, n, cond, x, y, out, stream);
    case 8: return LaunchWhere<uint64_t>(shape, n, cond, x, y, out, stream);
  }
  return cudaErrorInvalidValue;
}

cudaError_t Compare(int dtype, int op, const BroadcastShape& shape, int64_t n, const void* a,
                    const void* b, uint8_t* out, cudaStream_t stream) {
  switch (dtype) {
    case kFloat32: return CompareTyped<float>(op, shape, n, a, b, out, stream);
    case kFloat16: return CompareTyped<__half>(op, shape, n, a, b, out, stream);
    case kInt8: return CompareTyped<int8_t>(op, shape, n, a, b, out, stream);
    case kInt32: return CompareTyped<int32_t>(op, shape, n, a, b, out, stream);
    case kInt64: return CompareTyped<int64_t>(op, shape, n, a, b, out, stream);
    case kBool: return CompareTyped<BoolValue>(op, shape, n, a, b, out, stream);
  }
  return cudaErrorInvalidValue;
}

cudaError_t Logical(int op, const BroadcastShape& shape, int64_t n, const uint8_t* a,
                    const uint8_t* b, uint8_t* out, cudaStream_t stream) {
  if (op == kNot) return LaunchUnary(n, NotFn{a, out}, stream);
  return LaunchBinary(shape, n, LogicalFn{a, b, out, op}, stream);
}

cudaError_t Mod(int dtype, bool fmod, const BroadcastShape& shape, int64_t n, const void* a,
                const void* b, void* out, cudaStream_t stream) {
  const bool floor = !fmod;
  switch (dtype) {
    case kFloat32:
      return LaunchBinary(shape, n,
                          FloatModFn<float>{static_cast<const float*>(a),
                                            static_cast<const float*>(b),
                                            static_cast<float*>(out)},
                          stream);
    case kFloat16:
      return LaunchBinary(shape, n,
                          FloatModFn<__half>{static_cast<const __half*>(a),
                                             static_cast<const __half*>(b),
                                             static_cast<__half*>(out)},
                          stream);
    case kInt8:
      return LaunchBinary(shape, n,
                          IntModFn<int8_t>{static_cast<const int8_t*>(a),
                                           static_cast<const int8_t*>(b),
                                           static_cast<int8_t*>(out), floor},
                          stream);
    case kInt32:
      return LaunchBinary(shape, n,
                          IntModFn<int32_t>{static_cast<const int32_t*>(a),
                                            static_cast<const int32_t*>(b),
                                            static_cast<int32_t*>(out), floor},
                          stream);
    case kInt64:
      return LaunchBinary(shape, n,
                          IntModFn<int64_t>{static_cast<const int64_t*>(a),
                                            static_cast<const int64_t*>(b),
                                            static_cast<int64_t*>(out), floor},
                          stream);
  }
  return cudaErrorInvalidValue;
}

cudaError_t BitShift(bool is_64, bool left, int width, const BroadcastShape& shape, int64_t n,
                     const void* x, const void* y, void* out, cudaStream_t stream) {
  if (is_64) {
    return LaunchBinary(shape, n,
                        BitShiftFn<int64_t>{static_cast<const int64_t*>(x),
                                            static_cast<const int64_t*>(y),
                                            static_cast<int64_t*>(out), left, width},
                        stream);
  }
  return LaunchBinary(shape, n,
                      BitShiftFn<int32_t>{static_cast<const int32_t*>(x),
                                          static_cast<const int32_t*>(y),
                                          static_cast<int32_t*>(out), left, width},
                      stream);
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
