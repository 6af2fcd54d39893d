#ifndef KILN_GRAPH_GRAPH_H_
#define KILN_GRAPH_GRAPH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

#include "graph/attributes.h"
#include "graph/types.h"

namespace kiln {

using TensorId = int32_t;
using NodeId = int32_t;
inline constexpr int32_t kNoNode = -1;

struct Tensor {
  TensorDesc desc;
  NodeId producer = kNoNode;         // kNoNode for inputs and constants
  bool is_input = false;             // network input
  bool batched = false;              // network input whose dim 0 is the batch
  bool is_output = false;            // network output
  std::shared_ptr<const Weights> constant;  // set for constant tensors
  bool is_constant() const { return constant != nullptr; }
};

struct Node {
  std::string name;
  std::string op;                    // registered op name, e.g. "Convolution"
  AttrMap attrs;
  std::vector<TensorId> inputs;      // -1 marks an omitted optional input
  std::vector<TensorId> outputs;
};

// A dataflow graph: tensors and the nodes between them. NetworkDefinition is
// the checked way to build one; passes edit it directly.
class Graph {
 public:
  TensorId AddTensor(Tensor tensor);
  NodeId AddNode(Node node);  // sets producer of its outputs

  Tensor& tensor(TensorId id) { return tensors_[id]; }
  const Tensor& tensor(TensorId id) const { return tensors_[id]; }
  Node& node(NodeId id) { return nodes_[id]; }
  const Node& node(NodeId id) const { return nodes_[id]; }
  int num_tensors() const { return static_cast<int>(tensors_.size()); }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  const std::vector<Tensor>& tensors() const { return tensors_; }
  const std::vector<Node>& nodes() const { return nodes_; }

  const std::vector<TensorId>& inputs() const { return inputs_; }
  const std::vector<TensorId>& outputs() const { return outputs_; }
  void MarkInput(TensorId id);
  void MarkOutput(TensorId id);

  std::optional<TensorId> FindTensor(absl::string_view name) const;
  std::optional<NodeId> FindNode(absl::string_view name) const;

  // Keeps only the nodes in `order`, in that order; renumbers node ids and
  // drops tensors nothing refers to anymore.
  void Reorder(const std::vector<NodeId>& order);

 private:
  std::vector<Tensor> tensors_;
  std::vector<Node> nodes_;
  std::vector<TensorId> inputs_;
  std::vector<TensorId> outputs_;
};

}  // namespace kiln

#endif  // KILN_GRAPH_GRAPH_H_
