#ifndef KILN_OPS_CONCATENATION_H_
#define KILN_OPS_CONCATENATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"

namespace kiln {

inline constexpr char kConcatenationOp[] = "Concatenation";

// Joins 1..kMaxConcatenationInputs tensors along `axis`. All inputs have the
// same dtype and rank, and equal dims except along `axis`; the output's size
// along `axis` is the sum of the inputs'. A negative axis counts from the end
// (-1 is the last). Any dtype: the data is moved, never converted.
inline constexpr int kMaxConcatenationInputs = 1024;

struct ConcatenationParams {
  int64_t axis = 1;  // default: channels of an NCHW tensor

  AttrMap ToAttrs() const;  // "axis"
  static absl::StatusOr<ConcatenationParams> FromAttrs(const AttrMap& attrs);
};

// `axis` of the input rank r, in [-r, r), made non-negative; an error naming
// the axis and the rank otherwise.
absl::StatusOr<int64_t> NormalizeConcatenationAxis(int64_t axis, int64_t rank);

absl::StatusOr<TensorId> AddConcatenation(NetworkDefinition& network, absl::string_view name,
                                          std::vector<TensorId> inputs, int axis = 1);

}  // namespace kiln

#endif  // KILN_OPS_CONCATENATION_H_
