#include "optimizer/passes/topological_sort.h"

#include <queue>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kiln {
namespace {

// Tensors available before any node runs.
bool IsSource(const Tensor& t) { return t.is_input || t.is_constant(); }

}  // namespace

absl::StatusOr<bool> TopologicalSort::Run(Graph& graph, Logger* /*logger*/) {
  const int n = graph.num_nodes();
  std::vector<std::vector<NodeId>> consumers(graph.num_tensors());
  std::vector<int> pending(n, 0);
  for (NodeId id = 0; id < n; ++id) {
    for (TensorId t : graph.node(id).inputs) {
      if (t < 0) continue;
      const Tensor& tensor = graph.tensor(t);
      if (IsSource(tensor)) continue;
      if (tensor.producer == kNoNode) {
        return absl::InvalidArgumentError(absl::StrCat(
            "layer '", graph.node(id).name, "' reads tensor '", tensor.desc.name,
            "', which no layer produces and which is neither an input nor a constant"));
      }
      consumers[t].push_back(id);
      ++pending[id];
    }
  }
  // Min-heap on node id keeps the original order among ready nodes.
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
  for (NodeId id = 0; id < n; ++id) {
    if (pending[id] == 0) ready.push(id);
  }
  std::vector<NodeId> order;
  while (!ready.empty()) {
    const NodeId id = ready.top();
    ready.pop();
    order.push_back(id);
    for (TensorId t : graph.node(id).outputs) {
      for (NodeId c : consumers[t]) {
        if (--pending[c] == 0) ready.push(c);
      }
    }
  }
  if (static_cast<int>(order.size()) != n) {
    std::vector<std::string> stuck;
    for (NodeId id = 0; id < n; ++id) {
      if (pending[id] > 0) stuck.push_back(graph.node(id).name);
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "the network has a cycle through layers: ", absl::StrJoin(stuck, ", ")));
  }
  bool changed = false;
  for (int i = 0; i < n; ++i) changed |= order[i] != i;
  if (changed) graph.Reorder(order);
  return changed;
}

}  // namespace kiln
