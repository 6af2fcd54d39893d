#ifndef KILN_OPS_SCATTER_ELEMENTS_H_
#define KILN_OPS_SCATTER_ELEMENTS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kScatterElementsOp[] = "ScatterElements";

// ONNX ScatterElements: out = data, then for every position p of indices,
// out[p with p[axis] = indices[p]] = updates[p] (reduction "none"), or is
// combined with it by add, mul, max or min. indices (int32 or int64) and
// updates have the same dims, data's rank, and off the axis dims no larger
// than data's. Negative indices count from the end of the axis; one outside
// [-n, n-1] is an OutOfRange error from Run naming it. With "none" any dtype
// is copied bit-exactly and, of duplicate indices, the last update wins;
// the reductions take fp32, fp16 (computed in fp32), int32, int64 or int8.
enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };

absl::string_view ScatterReductionName(ScatterReduction r);  // "none", "add", "mul", "max", "min"

struct ScatterElementsParams {
  int64_t axis = 0;
  ScatterReduction reduction = ScatterReduction::kNone;

  AttrMap ToAttrs() const;  // "axis", "reduction"
  static absl::StatusOr<ScatterElementsParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddScatterElements(NetworkDefinition& network, absl::string_view name,
                                            TensorId data, TensorId indices, TensorId updates,
                                            const ScatterElementsParams& params);

}  // namespace kiln

#endif  // KILN_OPS_SCATTER_ELEMENTS_H_
