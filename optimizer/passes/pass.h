#ifndef KILN_OPTIMIZER_PASSES_PASS_H_
#define KILN_OPTIMIZER_PASSES_PASS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/logger.h"

namespace kiln {

// A graph rewrite. Run returns whether it changed the graph; a broken
// invariant is an error. A rewrite that does not apply is not an error: the
// pass says why through `logger` (verbose severity; nullptr = silent).
class Pass {
 public:
  virtual ~Pass() = default;
  virtual absl::string_view name() const = 0;  // kebab-case
  virtual absl::StatusOr<bool> Run(Graph& graph, Logger* logger) = 0;
};

// Logs the concatenation of `parts` at verbose severity; the message is only
// built when there is a logger.
template <typename... Parts>
void LogVerbose(Logger* logger, const Parts&... parts) {
  if (logger != nullptr) logger->Log(Logger::Severity::kVerbose, absl::StrCat(parts...));
}

// The layers that read each tensor, once per layer (a layer that reads a
// tensor twice is listed once), indexed by TensorId.
using Readers = std::vector<std::vector<NodeId>>;
Readers ReadersOf(const Graph& graph);

// "2 readers (add1, relu)", for messages.
std::string DescribeReaders(const Graph& graph, const std::vector<NodeId>& readers);

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_PASS_H_
