#ifndef KILN_OPS_BROADCAST_H_
#define KILN_OPS_BROADCAST_H_

// numpy broadcasting for shape inference, shared by the elementwise-style
// ops (ElementWise, Compare, Logical, Where, Mod, Expand...).

#include "absl/status/statusor.h"
#include "graph/types.h"

namespace kiln {

// The dims of numpy-broadcasting `a` with `b`: right-aligned, each pair
// equal or one of them 1. The error (no layer prefix; callers add it) names
// both shapes and the dim that conflicts.
absl::StatusOr<Dims> BroadcastDims(const Dims& a, const Dims& b);

// For binary ops whose operands must share a type: checks that `a` and `b`
// have the same dtype and broadcast, and returns the broadcast dims. The
// error (no layer prefix) names both tensors.
absl::StatusOr<Dims> SameTypeBroadcastDims(const TensorDesc& a, const TensorDesc& b);

}  // namespace kiln

#endif  // KILN_OPS_BROADCAST_H_
