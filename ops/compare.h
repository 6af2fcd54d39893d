#ifndef KILN_OPS_COMPARE_H_
#define KILN_OPS_COMPARE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kCompareOp[] = "Compare";

// out = a <op> b with numpy broadcasting; ONNX Equal, Less, LessOrEqual,
// Greater and GreaterOrEqual. a and b have the same type (fp32, fp16, int32,
// int64 or bool; bool compares false < true); the output is bool. A NaN
// compares unequal and unordered to everything, as in IEEE.
enum class CompareOp { kEqual, kLess, kLessOrEqual, kGreater, kGreaterOrEqual };

// "equal", "less", "less_or_equal", "greater", "greater_or_equal".
absl::string_view CompareOpName(CompareOp op);

struct CompareParams {
  CompareOp op = CompareOp::kEqual;

  AttrMap ToAttrs() const;  // "op"
  static absl::StatusOr<CompareParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddCompare(NetworkDefinition& network, absl::string_view name, TensorId a,
                                    TensorId b, CompareOp op);

}  // namespace kiln

#endif  // KILN_OPS_COMPARE_H_
