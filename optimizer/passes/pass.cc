#include "optimizer/passes/pass.h"

#include "absl/strings/str_join.h"

namespace kiln {

Readers ReadersOf(const Graph& graph) {
  Readers readers(graph.num_tensors());
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    for (TensorId t : graph.node(n).inputs) {
      if (t >= 0 && (readers[t].empty() || readers[t].back() != n)) readers[t].push_back(n);
    }
  }
  return readers;
}

std::string DescribeReaders(const Graph& graph, const std::vector<NodeId>& readers) {
  if (readers.empty()) return "no reader";
  return absl::StrCat(readers.size(), readers.size() == 1 ? " reader (" : " readers (",
                      absl::StrJoin(readers, ", ",
                                    [&graph](std::string* out, NodeId n) {
                                      absl::StrAppend(out, graph.node(n).name);
                                    }),
                      ")");
}

}  // namespace kiln
