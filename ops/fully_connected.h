#ifndef KILN_OPS_FULLY_CONNECTED_H_
#define KILN_OPS_FULLY_CONNECTED_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "ops/activation.h"

namespace kiln {

inline constexpr char kFullyConnectedOp[] = "FullyConnected";

// y = x' · Wᵀ + bias, where x' is x flattened to (prod dims[:axis], prod dims[axis:]).
// Inputs: [x, weight (K_out, K_in), bias (K_out) or omitted]. The output has
// dims x.dims[:axis] + [K_out]. axis counts from the end when negative and may
// not be 0 (dim 0 is the batch, which the flattened K_in must not contain).
// `activation` (attribute "activation", absent = none) is applied after the
// bias; only fusable types are accepted (IsFusableActivation: ReLU, GELU).
struct FullyConnectedParams {
  int64_t axis = 1;
  std::optional<ActivationType> activation;

  AttrMap ToAttrs() const;
  static absl::StatusOr<FullyConnectedParams> FromAttrs(const AttrMap& attrs);
};

// Adds "<name>.weight" (and "<name>.bias") constants and the layer. `weight`
// is either (num_outputs, K_in) or flat with num_outputs * K_in values (as
// TensorRT's Weights); `bias`, when given, holds num_outputs values.
absl::StatusOr<TensorId> AddFullyConnected(NetworkDefinition& network, absl::string_view name,
                                           TensorId input, int64_t num_outputs, Weights weight,
                                           std::optional<Weights> bias, int axis = 1);

}  // namespace kiln

#endif  // KILN_OPS_FULLY_CONNECTED_H_
