#ifndef KILN_OPTIMIZER_PASSES_TOPOLOGICAL_SORT_H_
#define KILN_OPTIMIZER_PASSES_TOPOLOGICAL_SORT_H_

#include "optimizer/passes/pass.h"

namespace kiln {

// Orders nodes so every node comes after the producers of its inputs,
// keeping the definition order where it already is one (stable Kahn).
// A cycle, or an input no node produces, is an error naming the layers.
class TopologicalSort : public Pass {
 public:
  absl::string_view name() const override { return "topological-sort"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_TOPOLOGICAL_SORT_H_
