#ifndef KILN_OPS_WHERE_H_
#define KILN_OPS_WHERE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kWhereOp[] = "Where";

// ONNX Where: out = condition ? x : y elementwise, with numpy broadcasting
// among all three inputs. condition is bool; x and y have the same type
// (any), which is the output's. No attributes.
absl::StatusOr<TensorId> AddWhere(NetworkDefinition& network, absl::string_view name,
                                  TensorId condition, TensorId x, TensorId y);

}  // namespace kiln

#endif  // KILN_OPS_WHERE_H_
