#ifndef KILN_OPS_ELEMENT_WISE_H_
#define KILN_OPS_ELEMENT_WISE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kElementWiseOp[] = "ElementWise";

// out = a <op> b with numpy broadcasting (dims right-aligned; each pair equal
// or one of them 1). a and b have the same type: fp32, fp16, int32 or int64.
//   kSum a+b   kSub a-b   kProd a*b   kDiv a/b   kMax   kMin   kPow a^b
// Integers wrap around on overflow (two's complement). Integer division
// truncates toward zero like C; x / 0 is 0 rather than a crash. Integer
// pow with a negative exponent truncates 1/a^|b| likewise: 1 for a = 1,
// ±1 for a = -1, else 0 (also for a = 0). Float max/min return the other
// operand when one is NaN (fmax/fmin).
enum class ElementWiseOp { kSum, kSub, kProd, kDiv, kMax, kMin, kPow };

absl::string_view ElementWiseOpName(ElementWiseOp op);  // "sum", "sub", ...

struct ElementWiseParams {
  ElementWiseOp op = ElementWiseOp::kSum;

  AttrMap ToAttrs() const;  // "op"
  static absl::StatusOr<ElementWiseParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddElementWise(NetworkDefinition& network, absl::string_view name,
                                        TensorId a, TensorId b, ElementWiseOp op);

}  // namespace kiln

#endif  // KILN_OPS_ELEMENT_WISE_H_
