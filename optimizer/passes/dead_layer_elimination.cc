#include "optimizer/passes/dead_layer_elimination.h"

#include <vector>

namespace kiln {

absl::StatusOr<bool> DeadLayerElimination::Run(Graph& graph, Logger* logger) {
  std::vector<bool> live_tensor(graph.num_tensors(), false);
  std::vector<bool> live_node(graph.num_nodes(), false);
  std::vector<TensorId> work(graph.outputs().begin(), graph.outputs().end());
  while (!work.empty()) {
    const TensorId t = work.back();
    work.pop_back();
    if (t < 0 || live_tensor[t]) continue;
    live_tensor[t] = true;
    const NodeId producer = graph.tensor(t).producer;
    if (producer == kNoNode || live_node[producer]) continue;
    live_node[producer] = true;
    for (TensorId in : graph.node(producer).inputs) work.push_back(in);
  }
  std::vector<NodeId> keep;
  for (NodeId id = 0; id < graph.num_nodes(); ++id) {
    if (live_node[id]) {
      keep.push_back(id);
    } else {
      LogVerbose(logger, "dead-layer-elimination: removing '", graph.node(id).name,
                 "': no network output depends on it");
    }
  }
  if (static_cast<int>(keep.size()) == graph.num_nodes()) return false;
  graph.Reorder(keep);
  return true;
}

}  // namespace kiln
