#ifndef KILN_OPS_LP_NORMALIZATION_H_
#define KILN_OPS_LP_NORMALIZATION_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kLpNormalizationOp[] = "LpNormalization";

// ONNX LpNormalization: y = x / ||x||_p along `axis`, with ||x||_1 = sum |x|
// and ||x||_2 = sqrt(sum x^2); a zero norm gives 0 (as ONNX's reference,
// rather than 0/0). Output: the input's dims and dtype.
struct LpNormalizationParams {
  int64_t axis = -1;  // "axis": negative counts from the end
  int64_t p = 2;      // "p": 1 or 2

  AttrMap ToAttrs() const;
  static absl::StatusOr<LpNormalizationParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddLpNormalization(NetworkDefinition& network, absl::string_view name,
                                            TensorId input, const LpNormalizationParams& params);

}  // namespace kiln

#endif  // KILN_OPS_LP_NORMALIZATION_H_
