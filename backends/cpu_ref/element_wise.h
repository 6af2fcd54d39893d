#ifndef KILN_BACKENDS_CPU_REF_ELEMENT_WISE_H_
#define KILN_BACKENDS_CPU_REF_ELEMENT_WISE_H_

// The reference float formulas of ElementWise, shared by the ElementWise
// kernel and the PointwiseChain kernel (a step with a scalar operand), so a
// fused chain computes what the ElementWise layer did.

#include <cmath>

#include "ops/element_wise.h"

namespace kiln {
namespace cpu_ref {

// a <kOp> b on floats; a template so the broadcasting loop of each op
// compiles without a switch per element. max/min return the other operand
// when one is NaN (fmax/fmin).
template <ElementWiseOp kOp>
float FloatBinary(float a, float b) {
  if constexpr (kOp == ElementWiseOp::kSum) {
    return a + b;
  } else if constexpr (kOp == ElementWiseOp::kSub) {
    return a - b;
  } else if constexpr (kOp == ElementWiseOp::kProd) {
    return a * b;
  } else if constexpr (kOp == ElementWiseOp::kDiv) {
    return a / b;
  } else if constexpr (kOp == ElementWiseOp::kMax) {
    return std::fmax(a, b);
  } else if constexpr (kOp == ElementWiseOp::kMin) {
    return std::fmin(a, b);
  } else {
    static_assert(kOp == ElementWiseOp::kPow);
    return std::pow(a, b);
  }
}

// The same, with the op chosen at run time.
inline float FloatBinary(ElementWiseOp op, float a, float b) {
  switch (op) {
    case ElementWiseOp::kSum: return FloatBinary<ElementWiseOp::kSum>(a, b);
    case ElementWiseOp::kSub: return FloatBinary<ElementWiseOp::kSub>(a, b);
    case ElementWiseOp::kProd: return FloatBinary<ElementWiseOp::kProd>(a, b);
    case ElementWiseOp::kDiv: return FloatBinary<ElementWiseOp::kDiv>(a, b);
    case ElementWiseOp::kMax: return FloatBinary<ElementWiseOp::kMax>(a, b);
    case ElementWiseOp::kMin: return FloatBinary<ElementWiseOp::kMin>(a, b);
    case ElementWiseOp::kPow: return FloatBinary<ElementWiseOp::kPow>(a, b);
  }
  return a;
}

}  // namespace cpu_ref
}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_ELEMENT_WISE_H_
