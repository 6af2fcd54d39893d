#include "graph/graph.h"

#include <algorithm>

namespace kiln {

TensorId Graph::AddTensor(Tensor tensor) {
  tensors_.push_back(std::move(tensor));
  return static_cast<TensorId>(tensors_.size() - 1);
}

NodeId Graph::AddNode(Node node) {
  const NodeId id = static_cast<NodeId>(nodes_.size());
  for (TensorId out : node.outputs) tensors_[out].producer = id;
  nodes_.push_back(std::move(node));
  return id;
}

void Graph::MarkInput(TensorId id) {
  tensors_[id].is_input = true;
  if (std::find(inputs_.begin(), inputs_.end(), id) == inputs_.end()) inputs_.push_back(id);
}

void Graph::MarkOutput(TensorId id) {
  tensors_[id].is_output = true;
  if (std::find(outputs_.begin(), outputs_.end(), id) == outputs_.end()) outputs_.push_back(id);
}

std::optional<TensorId> Graph::FindTensor(absl::string_view name) const {
  for (int i = 0; i < num_tensors(); ++i) {
    if (tensors_[i].desc.name == name) return i;
  }
  return std::nullopt;
}

std::optional<NodeId> Graph::FindNode(absl::string_view name) const {
  for (int i = 0; i < num_nodes(); ++i) {
    if (nodes_[i].name == name) return i;
  }
  return std::nullopt;
}

void Graph::Reorder(const std::vector<NodeId>& order) {
  std::vector<Node> nodes;
  nodes.reserve(order.size());
  for (NodeId id : order) nodes.push_back(std::move(nodes_[id]));

  // Tensors still referenced: graph I/O and everything the kept nodes touch.
  std::vector<bool> used(tensors_.size(), false);
  for (TensorId t : inputs_) used[t] = true;
  for (TensorId t : outputs_) used[t] = true;
  for (const Node& n : nodes) {
    for (TensorId t : n.inputs) if (t >= 0) used[t] = true;
    for (TensorId t : n.outputs) used[t] = true;
  }
  std::vector<TensorId> remap(tensors_.size(), -1);
  std::vector<Tensor> tensors;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (!used[i]) continue;
    remap[i] = static_cast<TensorId>(tensors.size());
    tensors.push_back(std::move(tensors_[i]));
    tensors.back().producer = kNoNode;
  }
  auto fix = [&remap](std::vector<TensorId>& ids) {
    for (TensorId& t : ids) if (t >= 0) t = remap[t];
  };
  for (Node& n : nodes) {
    fix(n.inputs);
    fix(n.outputs);
  }
  fix(inputs_);
  fix(outputs_);
  tensors_ = std::move(tensors);
  nodes_.clear();
  for (Node& n : nodes) AddNode(std::move(n));
}

}  // namespace kiln
