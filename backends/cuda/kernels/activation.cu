// Activations, the formulas of cpu_ref/activation.cc (fp16 computed in
// fp32, rounded once at the store): a 16-byte vector of elements per thread
// where the size and alignment allow, else one element per thread.
#include "backends/cuda/kernels/activation_device.h"
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

template <int kType, typename T>
__global__ void ActivationKernel(int64_t n, float alpha, float beta, const T* __restrict__ in,
                                 T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    StoreFloat(out, i, ApplyActivation<kType>(LoadFloat(in, i), alpha, beta));
  }
}

template <int kType, typename T, int V>
__global__ void ActivationVectorKernel(int64_t vectors, float alpha, float beta,
                                       const T* __restrict__ in, T* __restrict__ out) {
  for (int64_t v = GridStart(); v < vectors; v += GridStep()) {
    const Pack<T, V> x = reinterpret_cast<const Pack<T, V>*>(in)[v];
    Pack<T, V> y;
#pragma unroll
    for (int k = 0; k < V; ++k) StoreFloat(y.v, k, ApplyActivation<kType>(LoadFloat(x.v, k), alpha, beta));
    reinterpret_cast<Pack<T, V>*>(out)[v] = y;
  }
}

template <int kType, typename T>
cudaError_t Launch(int64_t n, float alpha, float beta, const T* in, T* out,
                   cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  constexpr int kVector = 16 / sizeof(T);
  auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  if (n % kVector == 0 && aligned(in) && aligned(out)) {
    ActivationVectorKernel<kType, T, kVector><<<GridBlocks(n / kVector), kFloatIoThreads, 0, stream>>>(
        n / kVector, alpha, beta, in, out);
  } else {
    ActivationKernel<kType, T>
        <<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(n, alpha, beta, in, out);
  }
  return cudaGetLastError();
}

}  // namespace

template <typename T>
cudaError_t Activation(int type, float alpha, float beta, int64_t n, const T* in, T* out,
                       cudaStream_t stream) {
  switch (type) {
#define KILN_ACTIVATION_CASE(t) \
  case t: return Launch<t, T>(n, alpha, beta, in, out, stream);
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
    KILN_ACTIVATION_CASE(kGeluTanh)
#undef KILN_ACTIVATION_CASE
  }
  return cudaErrorInvalidValue;
}

template cudaError_t Activation<float>(int, float, float, int64_t, const float*, float*,
                                       cudaStream_t);
template cudaError_t Activation<__half>(int, float, float, int64_t, const __half*, __half*,
                                        cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
