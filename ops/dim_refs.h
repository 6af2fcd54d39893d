#ifndef KILN_OPS_DIM_REFS_H_
#define KILN_OPS_DIM_REFS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "graph/attributes.h"
#include "graph/types.h"

namespace kiln {

// Sizes a layer reads from the dims of its inputs at shape inference, so one
// network serves every shape of an optimization profile. The ONNX importer
// writes them where a model computes a size from its input shapes
// (Shape -> Gather -> Concat -> Reshape, as transformer exporters do): a
// Reshape to [batch, seq, heads, 64] whose batch and seq come from another
// tensor, an Expand to a mask's [batch, 1, seq, seq], a Range over seq.
//
// Attribute `key` (Shuffle's "reshape_refs", Expand's "shape_refs", Range's
// "limit_refs") holds, for each entry of the sized list, a pair
// (input, dim): input -1 keeps the literal entry; otherwise the entry is dim
// `dim` of layer input `input` (read for its shape only; its data is never
// touched). Absent: every entry is literal.
struct DimRef {
  int64_t input = -1;
  int64_t dim = 0;
};

// The pairs of attribute `key`, checked to number `entries`; empty when absent.
absl::StatusOr<std::vector<DimRef>> DimRefsFromAttrs(const AttrMap& attrs, absl::string_view key,
                                                     size_t entries);
void SetDimRefs(AttrMap& attrs, absl::string_view key, absl::Span<const DimRef> refs);

// `values` with each referenced entry replaced by the dim it names, or an
// error naming the entry when its input is missing or lacks that dim. Only
// inputs numbered `first_ref_input` and up may be referenced.
absl::StatusOr<std::vector<int64_t>> ResolveDimRefs(absl::Span<const DimRef> refs,
                                                    std::vector<int64_t> values,
                                                    absl::Span<const TensorDesc> inputs,
                                                    int64_t first_ref_input);

}  // namespace kiln

#endif  // KILN_OPS_DIM_REFS_H_
