#ifndef KILN_OPS_REVERSE_SEQUENCE_H_
#define KILN_OPS_REVERSE_SEQUENCE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kReverseSequenceOp[] = "ReverseSequence";

// ONNX ReverseSequence, any dtype (bit-exact). Inputs [input (rank >= 2),
// sequence_lens (int64 or int32, one per batch entry)]. For batch entry b
// the first sequence_lens[b] steps along time_axis are reversed; later steps
// are copied. A length outside [0, time steps] is clamped into it (the
// kernel never reads out of bounds; ONNX leaves it undefined).
struct ReverseSequenceParams {
  int64_t batch_axis = 1;  // "batch_axis": 0 or 1
  int64_t time_axis = 0;   // "time_axis": 0 or 1, not batch_axis

  AttrMap ToAttrs() const;
  static absl::StatusOr<ReverseSequenceParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddReverseSequence(NetworkDefinition& network, absl::string_view name,
                                            TensorId input, TensorId sequence_lens,
                                            const ReverseSequenceParams& params);

}  // namespace kiln

#endif  // KILN_OPS_REVERSE_SEQUENCE_H_
