#ifndef KILN_OPS_EXPAND_H_
#define KILN_OPS_EXPAND_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "ops/dim_refs.h"

namespace kiln {

inline constexpr char kExpandOp[] = "Expand";

// ONNX Expand: broadcasts the input against `shape` (ONNX passes it as an
// input; here an attribute) with numpy's bidirectional rule: the output dims
// are broadcast(input dims, shape), so a 1 in `shape` keeps the input's dim
// and `shape` may have fewer dims than the input. Any dtype; a bit-exact copy.
// Entries of `shape` may be read from other inputs' dims at shape inference
// (shape_refs, ops/dim_refs.h; inputs 1 and up, read for their shapes only).
struct ExpandParams {
  std::vector<int64_t> shape;
  std::vector<DimRef> shape_refs;  // empty, or one per shape entry

  AttrMap ToAttrs() const;  // "shape", "shape_refs"
  static absl::StatusOr<ExpandParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddExpand(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const ExpandParams& params);

}  // namespace kiln

#endif  // KILN_OPS_EXPAND_H_
