#ifndef KILN_OPS_PRELU_H_
#define KILN_OPS_PRELU_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kPReluOp[] = "PRelu";

// ONNX PRelu: out = x < 0 ? slope * x : x, where slope broadcasts to x
// one way (numpy rules; the output always has x's dims). x and slope are
// fp32 or fp16, of the same type. No attributes.
absl::StatusOr<TensorId> AddPRelu(NetworkDefinition& network, absl::string_view name, TensorId x,
                                  TensorId slope);
// Same, with the slope as a constant "<name>.slope".
absl::StatusOr<TensorId> AddPRelu(NetworkDefinition& network, absl::string_view name, TensorId x,
                                  Weights slope);

}  // namespace kiln

#endif  // KILN_OPS_PRELU_H_
