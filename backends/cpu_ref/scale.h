#ifndef KILN_BACKENDS_CPU_REF_SCALE_H_
#define KILN_BACKENDS_CPU_REF_SCALE_H_

// The reference Scale formula, shared by the Scale kernel and the
// PointwiseChain kernel, so a fused chain computes what the Scale layer did.

#include <cmath>

#include "ops/scale.h"

namespace kiln {
namespace cpu_ref {

// (x * scale + shift) ^ *power, or x * scale + shift when `power` is null
// (an omitted power applies no pow at all, not pow(v, 1)). The multiply and
// the add are rounded separately.
inline float ScaleOne(float x, float scale, float shift, const float* power) {
  const float v = x * scale + shift;
  return power != nullptr ? std::pow(v, *power) : v;
}

}  // namespace cpu_ref
}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_SCALE_H_
