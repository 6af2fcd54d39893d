#ifndef KILN_OPS_CELU_H_
#define KILN_OPS_CELU_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kCeluOp[] = "Celu";

// ONNX Celu: out = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)),
// elementwise on fp32 or fp16; alpha must be nonzero.
struct CeluParams {
  float alpha = 1.0f;

  AttrMap ToAttrs() const;  // "alpha"
  static absl::StatusOr<CeluParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddCelu(NetworkDefinition& network, absl::string_view name, TensorId input,
                                 const CeluParams& params);

}  // namespace kiln

#endif  // KILN_OPS_CELU_H_
