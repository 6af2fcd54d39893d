#ifndef KILN_OPS_LOGICAL_H_
#define KILN_OPS_LOGICAL_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kLogicalOp[] = "Logical";

// Boolean logic on bool tensors; ONNX And, Or, Xor (two inputs, numpy
// broadcasting) and Not (one input). The output is bool.
enum class LogicalOp { kAnd, kOr, kXor, kNot };

absl::string_view LogicalOpName(LogicalOp op);  // "and", "or", "xor", "not"

struct LogicalParams {
  LogicalOp op = LogicalOp::kAnd;

  AttrMap ToAttrs() const;  // "op"
  static absl::StatusOr<LogicalParams> FromAttrs(const AttrMap& attrs);
};

// a <op> b for and/or/xor.
absl::StatusOr<TensorId> AddLogical(NetworkDefinition& network, absl::string_view name, TensorId a,
                                    TensorId b, LogicalOp op);
// not a.
absl::StatusOr<TensorId> AddLogicalNot(NetworkDefinition& network, absl::string_view name,
                                       TensorId a);

}  // namespace kiln

#endif  // KILN_OPS_LOGICAL_H_
