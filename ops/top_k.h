#ifndef KILN_OPS_TOP_K_H_
#define KILN_OPS_TOP_K_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kTopKOp[] = "TopK";

// ONNX TopK: the k largest (or smallest) elements along `axis` and their
// int64 indices, two outputs whose dims are the input's with dims[axis] = k.
// ONNX passes k as an input; here it is an attribute (1 <= k <= dims[axis]).
// Results are sorted (largest first, or smallest first); `sorted` = 0 is
// accepted and gives the same sorted order, which ONNX allows. Of equal
// values the lower index comes first. NaN counts as larger than any number.
// Input fp32, fp16, int32, int64 or int8.
struct TopKParams {
  int64_t k = 1;
  int64_t axis = -1;
  bool largest = true;
  bool sorted = true;

  AttrMap ToAttrs() const;  // "k", "axis", "largest", "sorted"
  static absl::StatusOr<TopKParams> FromAttrs(const AttrMap& attrs);
};

// Returns {values, indices}.
absl::StatusOr<std::vector<TensorId>> AddTopK(NetworkDefinition& network, absl::string_view name,
                                              TensorId input, const TopKParams& params);

}  // namespace kiln

#endif  // KILN_OPS_TOP_K_H_
