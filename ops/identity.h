#ifndef KILN_OPS_IDENTITY_H_
#define KILN_OPS_IDENTITY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/network_definition.h"

namespace kiln {

inline constexpr char kIdentityOp[] = "Identity";

// Copies its input: same dtype, dims and format, bit for bit. It has no
// attributes. Useful to make a network input or constant an output, and as
// the node a pass leaves where a tensor must be materialized.
absl::StatusOr<TensorId> AddIdentity(NetworkDefinition& network, absl::string_view name,
                                     TensorId input);

}  // namespace kiln

#endif  // KILN_OPS_IDENTITY_H_
