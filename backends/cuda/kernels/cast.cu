// Cast between fp32, fp16, int8, int32, int64 and bool with ops/cast.h's
// semantics (the same two paths as cpu_ref/cast.cc): float-like sources go
// through float, integer and bool sources through int64_t. Float to integer
// truncates toward zero and saturates, NaN gives 0; to bool is x != 0.
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kThreads = 256;

// fp16 is carried as its bits (uint16_t), bool as a byte (uint8_t): the six
// storage types are distinct, as in cpu_ref.
template <typename T>
struct IsFloatLike { static constexpr bool value = false; };
template <> struct IsFloatLike<float> { static constexpr bool value = true; };
template <> struct IsFloatLike<uint16_t> { static constexpr bool value = true; };

template <typename T> struct Limits;
template <> struct Limits<int8_t> { static constexpr int64_t lo = -128, hi = 127; };
template <> struct Limits<int32_t> {
  static constexpr int64_t lo = -2147483648LL, hi = 2147483647LL;
};
template <> struct Limits<int64_t> {
  static constexpr int64_t lo = -9223372036854775807LL - 1, hi = 9223372036854775807LL;
};

__device__ __forceinline__ float LoadFloat(float x) { return x; }
__device__ __forceinline__ float LoadFloat(uint16_t bits) {
  return __half2float(__ushort_as_half(bits));
}
__device__ __forceinline__ int64_t LoadInt(int8_t x) { return x; }
__device__ __forceinline__ int64_t LoadInt(int32_t x) { return x; }
__device__ __forceinline__ int64_t LoadInt(int64_t x) { return x; }
__device__ __forceinline__ int64_t LoadInt(uint8_t b) { return b != 0 ? 1 : 0; }

template <typename Int>
__device__ __forceinline__ Int TruncateSaturate(float x) {
  if (isnan(x)) return 0;
  // double holds every float exactly and the int64 bounds as powers of two.
  const double truncated = trunc(static_cast<double>(x));
  if (truncated <= static_cast<double>(Limits<Int>::lo)) return static_cast<Int>(Limits<Int>::lo);
  if (truncated >= static_cast<double>(Limits<Int>::hi)) return static_cast<Int>(Limits<Int>::hi);
  return static_cast<Int>(truncated);
}

template <typename Dst>
__device__ __forceinline__ Dst FromFloat(float x) {
  if constexpr (std::is_same<Dst, float>::value) {
    return x;
  } else if constexpr (std::is_same<Dst, uint16_t>::value) {
    return __half_as_ushort(__float2half_rn(x));
  } else if constexpr (std::is_same<Dst, uint8_t>::value) {
    return x != 0.0f ? 1 : 0;  // NaN != 0 is true
  } else {
    return TruncateSaturate<Dst>(x);
  }
}

template <typename Dst>
__device__ __forceinline__ Dst FromInt(int64_t v) {
  if constexpr (std::is_same<Dst, float>::value) {
    return __ll2float_rn(v);
  } else if constexpr (std::is_same<Dst, uint16_t>::value) {
    // Every integer whose magnitude fits fp16 is exact in float, so the one
    // rounding that matters is float -> half (as in cpu_ref).
    return __half_as_ushort(__float2half_rn(__ll2float_rn(v)));
  } else if constexpr (std::is_same<Dst, uint8_t>::value) {
    return v != 0 ? 1 : 0;
  } else {
    if (v < Limits<Dst>::lo) return static_cast<Dst>(Limits<Dst>::lo);
    if (v > Limits<Dst>::hi) return static_cast<Dst>(Limits<Dst>::hi);
    return static_cast<Dst>(v);
  }
}

template <typename Src, typename Dst>
__global__ void CastKernel(int64_t n, const Src* __restrict__ in, Dst* __restrict__ out) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if constexpr (IsFloatLike<Src>::value) {
      out[i] = FromFloat<Dst>(LoadFloat(in[i]));
    } else {
      out[i] = FromInt<Dst>(LoadInt(in[i]));
    }
  }
}

template <typename Src, typename Dst>
cudaError_t Launch(int64_t n, const void* in, void* out, cudaStream_t stream) {
  const int64_t blocks64 = (n + kThreads - 1) / kThreads;
  const int blocks = static_cast<int>(blocks64 < 65535 * 32 ? blocks64 : 65535 * 32);
  CastKernel<Src, Dst><<<blocks, kThreads, 0, stream>>>(n, static_cast<const Src*>(in),
                                                        static_cast<Dst*>(out));
  return cudaGetLastError();
}

template <typename Src>
cudaError_t CastFrom(int to, int64_t n, const void* in, void* out, cudaStream_t stream) {
  switch (to) {
    case 0: return Launch<Src, float>(n, in, out, stream);
    case 1: return Launch<Src, uint16_t>(n, in, out, stream);
    case 2: return Launch<Src, int8_t>(n, in, out, stream);
    case 3: return Launch<Src, int32_t>(n, in, out, stream);
    case 4: return Launch<Src, int64_t>(n, in, out, stream);
    case 5: return Launch<Src, uint8_t>(n, in, out, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace

cudaError_t Cast(int from, int to, int64_t n, const void* in, void* out, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  switch (from) {
    case 0: return CastFrom<float>(to, n, in, out, stream);
    case 1: return CastFrom<uint16_t>(to, n, in, out, stream);
    case 2: return CastFrom<int8_t>(to, n, in, out, stream);
    case 3: return CastFrom<int32_t>(to, n, in, out, stream);
    case 4: return CastFrom<int64_t>(to, n, in, out, stream);
    case 5: return CastFrom<uint8_t>(to, n, in, out, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
