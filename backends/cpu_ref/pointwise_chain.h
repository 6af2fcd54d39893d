#ifndef KILN_BACKENDS_CPU_REF_POINTWISE_CHAIN_H_
#define KILN_BACKENDS_CPU_REF_POINTWISE_CHAIN_H_

// The reference PointwiseChain: the composition of the reference kernels of
// the layers it replaces. Each step calls the function the unfused layer's
// cpu_ref kernel calls (ActivateOne, ApplyUnary, ScaleOne, FloatBinary), so
// on fp32 tensors a fused chain is bit for bit the unfused layers; on fp16
// it rounds once at the output instead of after every layer.

#include <cstdint>
#include <vector>

#include "ops/pointwise_chain.h"

namespace kiln {
namespace cpu_ref {

// One step on one value.
float ApplyPointwiseStep(const PointwiseStep& step, float x);

// out[i] = step_n(... step_1(in[i])) for i in [0, n); `in` may equal `out`.
void ApplyPointwiseChain(const std::vector<PointwiseStep>& steps, const float* in, float* out,
                         int64_t n);

}  // namespace cpu_ref
}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_POINTWISE_CHAIN_H_
