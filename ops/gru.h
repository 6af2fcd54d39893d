#ifndef KILN_OPS_GRU_H_
#define KILN_OPS_GRU_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/network_definition.h"
#include "ops/recurrent.h"

namespace kiln {

inline constexpr char kGruOp[] = "GRU";

// GRU, gates z, r, h stacked in W/R/B in that order (ONNX):
//   zt = f(Xt*Wz^T + Ht-1*Rz^T + Wbz + Rbz)   rt = f(... r ...)
//   ht = g(Xt*Wh^T + (rt . Ht-1)*Rh^T + Rbh + Wbh)          (linear_before_reset 0)
//   ht = g(Xt*Wh^T + rt . (Ht-1*Rh^T + Rbh) + Wbh)          (linear_before_reset 1)
//   Ht = (1 - zt) . ht + zt . Ht-1;  f = Sigmoid, g = Tanh by default.
// Inputs, outputs, layouts and attributes as ONNX's GRU (see ops/recurrent.h);
// attributes come from RecurrentParams::ToAttrs(RecurrentKind::kGru).

// Adds the layer; W, R (and B, P when not -1) are usually constants. Optional
// inputs are -1 when omitted. Returns Y, Y_h.
absl::StatusOr<std::vector<TensorId>> AddGru(NetworkDefinition& network, absl::string_view name,
                                             TensorId x, TensorId w, TensorId r, TensorId b,
                                             TensorId sequence_lens, TensorId initial_h,
                                             const RecurrentParams& params = {});

}  // namespace kiln

#endif  // KILN_OPS_GRU_H_
