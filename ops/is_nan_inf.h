#ifndef KILN_OPS_IS_NAN_INF_H_
#define KILN_OPS_IS_NAN_INF_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kIsNanInfOp[] = "IsNanInf";

// ONNX IsNaN (op "nan") and IsInf (op "inf"): a bool tensor of the input's
// dims (fp32 or fp16), true where the element is NaN, or is +inf (when
// detect_positive) or -inf (when detect_negative).
struct IsNanInfParams {
  bool inf = false;  // op: "inf" when true, "nan" when false
  bool detect_positive = true;
  bool detect_negative = true;

  AttrMap ToAttrs() const;  // "op", "detect_positive", "detect_negative"
  static absl::StatusOr<IsNanInfParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddIsNanInf(NetworkDefinition& network, absl::string_view name,
                                     TensorId input, const IsNanInfParams& params);

}  // namespace kiln

#endif  // KILN_OPS_IS_NAN_INF_H_
