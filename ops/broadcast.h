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

}  // namespace kiln

#endif  // KILN_OPS_BROADCAST_H_
