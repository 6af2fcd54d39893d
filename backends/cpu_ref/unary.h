#ifndef KILN_BACKENDS_CPU_REF_UNARY_H_
#define KILN_BACKENDS_CPU_REF_UNARY_H_

// The reference Unary formulas, shared by the Unary kernel and the
// PointwiseChain kernel, so a fused chain computes what the Unary layer did.

#include "ops/unary.h"

namespace kiln {
namespace cpu_ref {

// op(x) with C <cmath> semantics (ops/unary.h).
float ApplyUnary(UnaryOp op, float x);

}  // namespace cpu_ref
}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_UNARY_H_
