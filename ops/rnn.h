#ifndef KILN_OPS_RNN_H_
#define KILN_OPS_RNN_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/network_definition.h"
#include "ops/recurrent.h"

namespace kiln {

inline constexpr char kRnnOp[] = "RNN";

// Elman RNN: Ht = f(Xt*W^T + Ht-1*R^T + Wb + Rb), f = Tanh by default.
// Inputs, outputs, layouts and attributes as ONNX's RNN (see ops/recurrent.h);
// attributes come from RecurrentParams::ToAttrs(RecurrentKind::kRnn).

// Adds the layer; W, R (and B, P when not -1) are usually constants. Optional
// inputs are -1 when omitted. Returns Y, Y_h.
absl::StatusOr<std::vector<TensorId>> AddRnn(NetworkDefinition& network, absl::string_view name,
                                             TensorId x, TensorId w, TensorId r, TensorId b,
                                             TensorId sequence_lens, TensorId initial_h,
                                             const RecurrentParams& params = {});

}  // namespace kiln

#endif  // KILN_OPS_RNN_H_
