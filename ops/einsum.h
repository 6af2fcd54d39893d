#ifndef KILN_OPS_EINSUM_H_
#define KILN_OPS_EINSUM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kEinsumOp[] = "Einsum";

// ONNX Einsum (numpy.einsum semantics) over 1 to kEinsumMaxInputs float
// inputs of one dtype. "equation" is "term,term,...[->output]" where a term is
// letters (a-z, A-Z) with at most one "..." standing for the leading or
// middle dims that have no letter. Spaces are ignored.
//  - A letter repeated within one term takes the diagonal (sizes must match).
//  - Across terms, a letter's dims must be equal or 1 (1 broadcasts), as must
//    the dims under "..." (right-aligned, numpy broadcasting).
//  - Implicit output (no "->"): the "..." dims, then the letters that occur
//    exactly once in the whole equation, in ASCII order ("ba" transposes).
//  - Letters missing from the output are summed over.
inline constexpr int kEinsumMaxInputs = 8;

struct EinsumParams {
  std::string equation;  // "equation", required

  AttrMap ToAttrs() const;
  static absl::StatusOr<EinsumParams> FromAttrs(const AttrMap& attrs);
};

// The equation resolved for given input ranks: every dim of every input and
// of the output named by a label in [0, num_labels). Letters get the first
// labels; each dim covered by "..." gets its own label (right-aligned across
// inputs, so broadcast dims share one).
struct EinsumSpec {
  int num_labels = 0;
  std::vector<std::vector<int>> input_labels;  // per input, per dim
  std::vector<int> output_labels;              // per output dim
};

// Pure: parses `equation` for inputs of the given ranks.
absl::StatusOr<EinsumSpec> ParseEinsum(absl::string_view equation,
                                       const std::vector<int64_t>& input_ranks);

// Pure: the size of each label for the input dims, checking that every
// occurrence agrees (or is a broadcast 1 across inputs).
absl::StatusOr<std::vector<int64_t>> EinsumLabelSizes(const EinsumSpec& spec,
                                                      const std::vector<Dims>& input_dims);

absl::StatusOr<TensorId> AddEinsum(NetworkDefinition& network, absl::string_view name,
                                   std::vector<TensorId> inputs, const EinsumParams& params);

}  // namespace kiln

#endif  // KILN_OPS_EINSUM_H_
