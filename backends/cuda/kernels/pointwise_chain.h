#ifndef KILN_BACKENDS_CUDA_KERNELS_POINTWISE_CHAIN_H_
#define KILN_BACKENDS_CUDA_KERNELS_POINTWISE_CHAIN_H_

// Launcher of the PointwiseChain kernel (kernels/pointwise_chain.cu). Same
// conventions as kernels.h: plain C++ with CUDA types, so the tactic
// (backends/cuda/pointwise_chain.cc) fills these structs from kiln's types.

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace kiln {
namespace cuda {
namespace kernels {

// kiln::PointwiseStepKind's order.
enum ChainStepKind : int { kStepActivation = 0, kStepUnary, kStepScale, kStepElementWise };

// One step. `fn` is kiln::ActivationType, kiln::UnaryOp or kiln::ElementWiseOp
// as an int. Activation: a = alpha, b = beta. Scale: (x * a + b) ^ c, the
// power only when `flag`. ElementWise: x <fn> a, or a <fn> x when `flag`.
struct ChainStep {
  int kind = kStepActivation;
  int fn = 0;
  float a = 0.0f;
  float b = 0.0f;
  float c = 0.0f;
  int flag = 0;
};

// The whole chain, passed by value as one kernel argument (kiln::
// kMaxPointwiseChainSteps steps at most: 772 bytes of the 4 KiB a launch takes).
inline constexpr int kMaxChainSteps = 32;
struct ChainSteps {
  int count = 0;
  ChainStep steps[kMaxChainSteps];
};

// out[i] = step_n(... step_1(in[i])) over n elements in fp32 registers (fp16
// elements are converted at the load and rounded once at the store). Never
// looks at coordinates, so any layout in and out share works; `in` may be
// `out`.
template <typename T>
cudaError_t PointwiseChain(const ChainSteps& steps, int64_t n, const T* in, T* out,
                           cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_POINTWISE_CHAIN_H_
