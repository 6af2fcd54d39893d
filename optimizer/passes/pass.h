#ifndef KILN_OPTIMIZER_PASSES_PASS_H_
#define KILN_OPTIMIZER_PASSES_PASS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"

namespace kiln {

// A graph rewrite. Run returns whether it changed the graph; a broken
// invariant is an error.
class Pass {
 public:
  virtual ~Pass() = default;
  virtual absl::string_view name() const = 0;  // kebab-case
  virtual absl::StatusOr<bool> Run(Graph& graph) = 0;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_PASS_H_
