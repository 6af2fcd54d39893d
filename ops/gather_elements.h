#ifndef KILN_OPS_GATHER_ELEMENTS_H_
#define KILN_OPS_GATHER_ELEMENTS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kGatherElementsOp[] = "GatherElements";

// ONNX GatherElements: out[i_0..i_r] = data[i_0..indices[i_0..i_r]..i_r],
// the index replacing the coordinate along `axis`. indices (int32 or int64)
// has data's rank and, off the axis, dims no larger than data's; the output
// has indices' dims and data's dtype (any). An index in [-n, -1] counts from
// the end of the axis (n = its size); one outside [-n, n-1] is an
// OutOfRange error from Run naming it.
struct GatherElementsParams {
  int64_t axis = 0;

  AttrMap ToAttrs() const;  // "axis"
  static absl::StatusOr<GatherElementsParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddGatherElements(NetworkDefinition& network, absl::string_view name,
                                           TensorId data, TensorId indices,
                                           const GatherElementsParams& params);

}  // namespace kiln

#endif  // KILN_OPS_GATHER_ELEMENTS_H_
