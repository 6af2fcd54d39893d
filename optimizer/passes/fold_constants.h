#ifndef KILN_OPTIMIZER_PASSES_FOLD_CONSTANTS_H_
#define KILN_OPTIMIZER_PASSES_FOLD_CONSTANTS_H_

#include <cstdint>

#include "optimizer/passes/pass.h"

namespace kiln {

// Computes at build what does not depend on the network's inputs: a layer
// whose present inputs are all constants is evaluated on the host with its
// op's cpu_ref reference tactic (EvaluateOp), its output tensors become
// constants holding the results (same names, so readers, bindings and later
// passes see no difference) and the layer is removed, with the constants only
// it read. The ONNX importer folds this way as it imports; this pass brings
// it to networks built with the C++ API.
//
// One sweep in node order, so a chain of such layers folds whole in a
// topologically sorted graph (the builder sorts first). A layer stays, and
// the reason is logged, when
//  - one of its outputs is a network output: a plan's outputs are written by
//    layers (NetworkDefinition::MarkOutput refuses constants for the same
//    reason);
//  - its outputs would take more than `max_bytes` together (a Tile or Expand
//    of a small constant is cheaper to run than to store in the plan);
//  - the evaluation fails: the op has no reference tactic in this binary
//    (cpu_ref not linked, a plugin op without one) or refuses the inputs;
//  - the results do not have the dtype and dims the graph declares.
// A layer with no present input is left alone. No kiln op has side effects or
// randomness (ops/ has no random or stateful op), so every op may fold. The
// pass cannot tell a plugin op's: one that is not a pure function of its
// inputs but registers a reference tactic would be folded too.
class FoldConstants : public Pass {
 public:
  static constexpr uint64_t kDefaultMaxBytes = 64ull << 20;

  explicit FoldConstants(uint64_t max_bytes = kDefaultMaxBytes) : max_bytes_(max_bytes) {}
  absl::string_view name() const override { return "fold-constants"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  uint64_t max_bytes_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FOLD_CONSTANTS_H_
