// PointwiseChain: every step of the chain on each element in fp32 registers,
// one read and one write of memory for the whole chain. The formulas are
// those of the unfused layers' kernels (activation_device.h,
// unary_device.h, scale.cu, element_wise.cu); fp16 is converted at the load
// and rounded once at the store. Each thread takes 4 neighbouring elements
// with one 16-byte (fp32) or 8-byte (fp16) access when both pointers allow
// it, and indexes with int32 when the size fits.
#include "backends/cuda/kernels/pointwise_chain.h"

#include <cstdint>
#include <limits>

#include "backends/cuda/kernels/activation_device.h"
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/kernels/unary_device.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

// v[j] = fn(v[j]) for the N values a thread holds.
template <int N, typename Fn>
__device__ __forceinline__ void ForEach(float (&v)[N], Fn fn) {
#pragma unroll
  for (int j = 0; j < N; ++j) v[j] = fn(v[j]);
}

// The step's function is chosen once per thread and step, not per element:
// every case below runs its formula on all N values.
template <int N>
__device__ __forceinline__ void ActivationStep(const ChainStep& s, float (&v)[N]) {
  const float alpha = s.a;
  const float beta = s.b;
  switch (s.fn) {
#define KILN_CHAIN_ACTIVATION(t) \
  case t: return ForEach(v, [=](float x) { return ApplyActivation<t>(x, alpha, beta); });
    KILN_CHAIN_ACTIVATION(kRelu)
    KILN_CHAIN_ACTIVATION(kSigmoid)
    KILN_CHAIN_ACTIVATION(kTanh)
    KILN_CHAIN_ACTIVATION(kLeakyRelu)
    KILN_CHAIN_ACTIVATION(kElu)
    KILN_CHAIN_ACTIVATION(kSelu)
    KILN_CHAIN_ACTIVATION(kClip)
    KILN_CHAIN_ACTIVATION(kSoftplus)
    KILN_CHAIN_ACTIVATION(kSoftsign)
    KILN_CHAIN_ACTIVATION(kHardSigmoid)
    KILN_CHAIN_ACTIVATION(kScaledTanh)
    KILN_CHAIN_ACTIVATION(kThresholdedRelu)
    KILN_CHAIN_ACTIVATION(kGelu)
    KILN_CHAIN_ACTIVATION(kHardSwish)
    KILN_CHAIN_ACTIVATION(kGeluTanh)
#undef KILN_CHAIN_ACTIVATION
  }
}

template <int N>
__device__ __forceinline__ void UnaryStep(const ChainStep& s, float (&v)[N]) {
  switch (s.fn) {
#define KILN_CHAIN_UNARY(o) \
  case o: return ForEach(v, [](float x) { return ApplyUnary<o>(x); });
    KILN_CHAIN_UNARY(kExp)
    KILN_CHAIN_UNARY(kLog)
    KILN_CHAIN_UNARY(kSqrt)
    KILN_CHAIN_UNARY(kRecip)
    KILN_CHAIN_UNARY(kAbs)
    KILN_CHAIN_UNARY(kNeg)
    KILN_CHAIN_UNARY(kSin)
    KILN_CHAIN_UNARY(kCos)
    KILN_CHAIN_UNARY(kTan)
    KILN_CHAIN_UNARY(kAsin)
    KILN_CHAIN_UNARY(kAcos)
    KILN_CHAIN_UNARY(kAtan)
    KILN_CHAIN_UNARY(kSinh)
    KILN_CHAIN_UNARY(kCosh)
    KILN_CHAIN_UNARY(kAsinh)
    KILN_CHAIN_UNARY(kAcosh)
    KILN_CHAIN_UNARY(kAtanh)
    KILN_CHAIN_UNARY(kCeil)
    KILN_CHAIN_UNARY(kFloor)
    KILN_CHAIN_UNARY(kRound)
    KILN_CHAIN_UNARY(kErf)
    KILN_CHAIN_UNARY(kSign)
#undef KILN_CHAIN_UNARY
  }
}

// Scale and element-wise arithmetic use the _rn intrinsics: once the steps
// are inlined into one loop nvcc would otherwise contract a multiply of one
// step and an add of the next into an FMA, which cpu_ref (one rounding per
// operation, like the unfused layers) does not do.
template <int N>
__device__ __forceinline__ void ScaleStep(const ChainStep& s, float (&v)[N]) {
  const float scale = s.a;
  const float shift = s.b;
  const float power = s.c;
  if (s.flag) {
    ForEach(v, [=](float x) { return powf(__fadd_rn(__fmul_rn(x, scale), shift), power); });
  } else {
    ForEach(v, [=](float x) { return __fadd_rn(__fmul_rn(x, scale), shift); });
  }
}

// x <op> c, or c <op> x when `first`.
template <int N>
__device__ __forceinline__ void ElementWiseStep(const ChainStep& s, float (&v)[N]) {
  const float c = s.a;
  const bool first = s.flag != 0;
  switch (s.fn) {
    case kSum: return ForEach(v, [=](float x) { return __fadd_rn(x, c); });
    case kSub:
      return ForEach(v, [=](float x) { return first ? __fsub_rn(c, x) : __fsub_rn(x, c); });
    case kProd: return ForEach(v, [=](float x) { return __fmul_rn(x, c); });
    case kDiv:
      return ForEach(v, [=](float x) { return first ? __fdiv_rn(c, x) : __fdiv_rn(x, c); });
    case kMax: return ForEach(v, [=](float x) { return fmaxf(x, c); });
    case kMin: return ForEach(v, [=](float x) { return fminf(x, c); });
    case kPow: return ForEach(v, [=](float x) { return first ? powf(c, x) : powf(x, c); });
  }
}

template <int N>
__device__ __forceinline__ void ApplyChain(const ChainSteps& steps, float (&v)[N]) {
  for (int k = 0; k < steps.count; ++k) {
    const ChainStep& s = steps.steps[k];
    switch (s.kind) {
      case kStepActivation: ActivationStep(s, v); break;
      case kStepUnary: UnaryStep(s, v); break;
      case kStepScale: ScaleStep(s, v); break;
      case kStepElementWise: ElementWiseStep(s, v); break;
    }
  }
}

// Four neighbouring elements, 4-element aligned, with one access.
template <typename IndexT>
__device__ __forceinline__ void Load4(const float* p, IndexT i, float (&v)[4]) {
  const float4 q = reinterpret_cast<const float4*>(p)[i];
  v[0] = q.x;
  v[1] = q.y;
  v[2] = q.z;
  v[3] = q.w;
}
template <typename IndexT>
__device__ __forceinline__ void Store4(float* p, IndexT i, const float (&v)[4]) {
  reinterpret_cast<float4*>(p)[i] = make_float4(v[0], v[1], v[2], v[3]);
}
// fp16 through ToFloat/FromFloat (float_io.h), so NaN payloads go through
// as in the other float kernels.
template <typename IndexT>
__device__ __forceinline__ void Load4(const __half* p, IndexT i, float (&v)[4]) {
  const uint2 q = reinterpret_cast<const uint2*>(p)[i];
  v[0] = ToFloat(__ushort_as_half(static_cast<unsigned short>(q.x & 0xffffu)));
  v[1] = ToFloat(__ushort_as_half(static_cast<unsigned short>(q.x >> 16)));
  v[2] = ToFloat(__ushort_as_half(static_cast<unsigned short>(q.y & 0xffffu)));
  v[3] = ToFloat(__ushort_as_half(static_cast<unsigned short>(q.y >> 16)));
}
template <typename IndexT>
__device__ __forceinline__ void Store4(__half* p, IndexT i, const float (&v)[4]) {
  uint32_t bits[4];
#pragma unroll
  for (int j = 0; j < 4; ++j) bits[j] = __half_as_ushort(FromFloat<__half>(v[j]));
  reinterpret_cast<uint2*>(p)[i] = make_uint2(bits[0] | (bits[1] << 16), bits[2] | (bits[3] << 16));
}

template <typename IndexT>
__device__ __forceinline__ IndexT ThreadIndex() {
  return static_cast<IndexT>(blockIdx.x) * static_cast<IndexT>(blockDim.x) +
         static_cast<IndexT>(threadIdx.x);
}
template <typename IndexT>
__device__ __forceinline__ IndexT ThreadCount() {
  return static_cast<IndexT>(gridDim.x) * static_cast<IndexT>(blockDim.x);
}

// One element per thread and iteration: unaligned pointers, or fewer than 4
// elements. __grid_constant__ lets the steps be indexed by a variable
// without a copy of the whole struct to local memory.
template <typename T, typename IndexT>
__global__ void ChainKernel(const __grid_constant__ ChainSteps steps, IndexT n, const T* in,
                            T* out) {
  for (IndexT i = ThreadIndex<IndexT>(); i < n; i += ThreadCount<IndexT>()) {
    float v[1] = {LoadFloat(in, i)};
    ApplyChain(steps, v);
    StoreFloat(out, i, v[0]);
  }
}

// Four elements per thread and iteration over `vectors` groups of 4; the
// first `tail` threads then take one of the n % 4 elements left.
template <typename T, typename IndexT>
__global__ void ChainKernelVec4(const __grid_constant__ ChainSteps steps, IndexT vectors,
                                int tail, const T* in, T* out) {
  for (IndexT i = ThreadIndex<IndexT>(); i < vectors; i += ThreadCount<IndexT>()) {
    float v[4];
    Load4(in, i, v);
    ApplyChain(steps, v);
    Store4(out, i, v);
  }
  const IndexT t = ThreadIndex<IndexT>();
  if (t < tail) {
    const IndexT i = vectors * 4 + t;
    float v[1] = {LoadFloat(in, i)};
    ApplyChain(steps, v);
    StoreFloat(out, i, v[0]);
  }
}

// int32 indices when no index the loops form (up to n plus one grid stride)
// can overflow them: cheaper address arithmetic.
bool FitsInt32(int64_t n, int blocks) {
  return n + static_cast<int64_t>(blocks) * kFloatIoThreads <=
         std::numeric_limits<int32_t>::max();
}

template <typename T, typename IndexT>
void Launch(const ChainSteps& steps, int64_t n, bool vectorize, const T* in, T* out,
            cudaStream_t stream) {
  if (vectorize) {
    const int64_t vectors = n / 4;
    ChainKernelVec4<T, IndexT><<<GridBlocks(vectors), kFloatIoThreads, 0, stream>>>(
        steps, static_cast<IndexT>(vectors), static_cast<int>(n % 4), in, out);
  } else {
    ChainKernel<T, IndexT>
        <<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(steps, static_cast<IndexT>(n), in, out);
  }
}

}  // namespace

template <typename T>
cudaError_t PointwiseChain(const ChainSteps& steps, int64_t n, const T* in, T* out,
                           cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  if (steps.count < 0 || steps.count > kMaxChainSteps) return cudaErrorInvalidValue;
  const uintptr_t addresses = reinterpret_cast<uintptr_t>(in) | reinterpret_cast<uintptr_t>(out);
  const bool vectorize = n >= 4 && addresses % (4 * sizeof(T)) == 0;
  const int blocks = GridBlocks(vectorize ? n / 4 : n);
  if (FitsInt32(n, blocks)) {
    Launch<T, int32_t>(steps, n, vectorize, in, out, stream);
  } else {
    Launch<T, int64_t>(steps, n, vectorize, in, out, stream);
  }
  return cudaGetLastError();
}

template cudaError_t PointwiseChain<float>(const ChainSteps&, int64_t, const float*, float*,
                                           cudaStream_t);
template cudaError_t PointwiseChain<__half>(const ChainSteps&, int64_t, const __half*, __half*,
                                            cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
