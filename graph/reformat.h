#ifndef KILN_GRAPH_REFORMAT_H_
#define KILN_GRAPH_REFORMAT_H_

// Host conversion between tensor precisions and layouts: what the Reformat
// op computes (cpu_ref runs it through this) and how the builder pre-formats
// constants for a layer it runs in another precision or layout.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/types.h"

namespace kiln {

// OK when a tensor described by `from` can be converted to (`to_type`,
// `to_format`): the dtype stays or changes between fp32 and fp16, and an
// NHWC side is rank 4. Otherwise says why, naming the tensor.
absl::Status CheckReformat(const TensorDesc& from, DataType to_type, TensorFormat to_format);

// Writes `in` (laid out as `in_desc`) into `out` as `out_desc` (same dims;
// dtype and format per CheckReformat). fp32 -> fp16 rounds to nearest even;
// a same-type conversion copies bits (NaN payloads kept).
void ReformatHost(const TensorDesc& in_desc, const void* in, const TensorDesc& out_desc,
                  void* out);

// `weights` (in `from_format`) converted to (`to_type`, `to_format`).
absl::StatusOr<Weights> ReformatWeights(const Weights& weights, TensorFormat from_format,
                                        DataType to_type, TensorFormat to_format);

}  // namespace kiln

#endif  // KILN_GRAPH_REFORMAT_H_
