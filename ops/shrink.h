#ifndef KILN_OPS_SHRINK_H_
#define KILN_OPS_SHRINK_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kShrinkOp[] = "Shrink";

// ONNX Shrink: out = x < -lambd ? x + bias : (x > lambd ? x - bias : 0),
// elementwise on fp32 or fp16.
struct ShrinkParams {
  float lambd = 0.5f;
  float bias = 0.0f;

  AttrMap ToAttrs() const;  // "lambd", "bias"
  static absl::StatusOr<ShrinkParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddShrink(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const ShrinkParams& params);

}  // namespace kiln

#endif  // KILN_OPS_SHRINK_H_
