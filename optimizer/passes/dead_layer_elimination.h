#ifndef KILN_OPTIMIZER_PASSES_DEAD_LAYER_ELIMINATION_H_
#define KILN_OPTIMIZER_PASSES_DEAD_LAYER_ELIMINATION_H_

#include "optimizer/passes/pass.h"

namespace kiln {

// Removes layers none of whose outputs reach a network output, and the
// tensors (constants included) only they used.
class DeadLayerElimination : public Pass {
 public:
  absl::string_view name() const override { return "dead-layer-elimination"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_DEAD_LAYER_ELIMINATION_H_
