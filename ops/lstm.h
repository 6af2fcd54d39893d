#ifndef KILN_OPS_LSTM_H_
#define KILN_OPS_LSTM_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/network_definition.h"
#include "ops/recurrent.h"

namespace kiln {

inline constexpr char kLstmOp[] = "LSTM";

// LSTM, gates i, o, f, c stacked in W/R/B in that order, peepholes P in
// order i, o, f (ONNX):
//   it = f(Xt*Wi^T + Ht-1*Ri^T + Pi . Ct-1 + Wbi + Rbi)
//   ft = f(Xt*Wf^T + Ht-1*Rf^T + Pf . Ct-1 + Wbf + Rbf)   (1 - it with input_forget)
//   ct = g(Xt*Wc^T + Ht-1*Rc^T + Wbc + Rbc);  Ct = ft . Ct-1 + it . ct
//   ot = f(Xt*Wo^T + Ht-1*Ro^T + Po . Ct + Wbo + Rbo);  Ht = ot . h(Ct)
// f = Sigmoid, g = h = Tanh by default.
// Inputs, outputs, layouts and attributes as ONNX's LSTM (see ops/recurrent.h);
// attributes come from RecurrentParams::ToAttrs(RecurrentKind::kLstm).

// Adds the layer; W, R (and B, P when not -1) are usually constants. Optional
// inputs are -1 when omitted. Returns Y, Y_h, Y_c.
absl::StatusOr<std::vector<TensorId>> AddLstm(NetworkDefinition& network, absl::string_view name,
                                              TensorId x, TensorId w, TensorId r, TensorId b,
                                              TensorId sequence_lens, TensorId initial_h,
                                              TensorId initial_c = -1, TensorId p = -1,
                                              const RecurrentParams& params = {});

}  // namespace kiln

#endif  // KILN_OPS_LSTM_H_
