#ifndef KILN_OPS_INSTANCE_NORMALIZATION_H_
#define KILN_OPS_INSTANCE_NORMALIZATION_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kInstanceNormalizationOp[] = "InstanceNormalization";

// ONNX InstanceNormalization. Inputs [input (N, C, D1, ..., Dk), scale (C),
// B (C)], all required. For each (n, c), over the D1..Dk elements:
//   y = scale[c] * (x - mean) / sqrt(var + epsilon) + B[c]
// with the population variance (divided by the element count). The output has
// the input's dims and dtype.
struct InstanceNormalizationParams {
  float epsilon = 1e-5f;  // "epsilon", >= 0

  AttrMap ToAttrs() const;
  static absl::StatusOr<InstanceNormalizationParams> FromAttrs(const AttrMap& attrs);
};

// Adds "<name>.scale" and "<name>.bias" constants (C values each) and the layer.
absl::StatusOr<TensorId> AddInstanceNormalization(NetworkDefinition& network,
                                                  absl::string_view name, TensorId input,
                                                  const InstanceNormalizationParams& params,
                                                  Weights scale, Weights bias);

}  // namespace kiln

#endif  // KILN_OPS_INSTANCE_NORMALIZATION_H_
