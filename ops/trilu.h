#ifndef KILN_OPS_TRILU_H_
#define KILN_OPS_TRILU_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kTriluOp[] = "Trilu";

// ONNX Trilu: keeps the upper (upper = 1) or lower (upper = 0) triangle of
// each matrix in the last two dims and zeroes the rest. Element (i, j) is
// kept when j - i >= k (upper) or j - i <= k (lower): k = 0 is the main
// diagonal, k > 0 above it. ONNX passes k as an optional input; here it is
// an attribute. Input rank >= 2, any dtype; the output has its dims and type.
struct TriluParams {
  bool upper = true;
  int64_t k = 0;

  AttrMap ToAttrs() const;  // "upper", "k"
  static absl::StatusOr<TriluParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddTrilu(NetworkDefinition& network, absl::string_view name,
                                  TensorId input, const TriluParams& params);

}  // namespace kiln

#endif  // KILN_OPS_TRILU_H_
