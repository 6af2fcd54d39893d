#ifndef KILN_OPS_LRN_H_
#define KILN_OPS_LRN_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kLrnOp[] = "LRN";

// Local response normalization across channels (ONNX LRN) on (N, C, ...):
//   y[c] = x[c] / (bias + alpha / size * sum_sq[c]) ^ beta
// where sum_sq[c] adds x[j]^2 over the channels j in
//   [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)]
// that exist, at the same batch and spatial position.
struct LrnParams {
  int64_t size = 5;     // "size": channels in the window, required, >= 1
  float alpha = 1e-4f;  // "alpha"
  float beta = 0.75f;   // "beta"
  float bias = 1.0f;    // "bias"

  AttrMap ToAttrs() const;
  static absl::StatusOr<LrnParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddLrn(NetworkDefinition& network, absl::string_view name, TensorId input,
                                const LrnParams& params);

}  // namespace kiln

#endif  // KILN_OPS_LRN_H_
