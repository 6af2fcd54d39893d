#ifndef KILN_BACKENDS_CPU_REF_ACTIVATION_H_
#define KILN_BACKENDS_CPU_REF_ACTIVATION_H_

// The reference activation formulas, shared by the Activation kernel and the
// kernels that apply a fused activation to their output (FullyConnected,
// MatMul, PointwiseChain), so a fused layer computes exactly what the layers
// it replaces did.

#include <cstdint>

#include "ops/activation.h"

namespace kiln {
namespace cpu_ref {

// activation(x) for one value (what Activate computes per element; the
// PointwiseChain kernel applies it between other steps).
float ActivateOne(const ActivationParams& params, float x);

// out[i] = activation(in[i]) for i in [0, n); `in` may equal `out`.
void Activate(const ActivationParams& params, const float* in, float* out, int64_t n);

}  // namespace cpu_ref
}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_ACTIVATION_H_
