#ifndef KILN_GRAPH_NETWORK_DEFINITION_H_
#define KILN_GRAPH_NETWORK_DEFINITION_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "graph/attributes.h"
#include "graph/graph.h"
#include "graph/types.h"

namespace kiln {

// The build API. Layers are checked and their outputs shape-inferred as they
// are added, so a bad layer is refused at once with a message naming it.
// Weights are copied or moved in: the definition owns them.
//
// Typed helpers for each op (AddConvolution, AddActivation, ...) live beside
// the op in ops/<op>.h and call AddLayer.
class NetworkDefinition {
 public:
  NetworkDefinition() = default;

  // A network input. With `batched` (the default), dim 0 is the batch: the
  // builder sets it to BuildConfig::max_batch and Execute runs any batch up
  // to that. An input that is not batched keeps its dims as given (any rank,
  // scalars included); a network without batched inputs runs at batch 1.
  absl::StatusOr<TensorId> AddInput(absl::string_view name, DataType dtype, Dims dims,
                                    bool batched = true);

  // A constant tensor holding `weights`.
  absl::StatusOr<TensorId> AddConstant(absl::string_view name, Weights weights);

  // Adds a layer of a registered op. `inputs` may contain -1 for an omitted
  // optional input. Returns the output tensors, named "<layer>" for a single
  // output and "<layer>:<i>" otherwise.
  absl::StatusOr<std::vector<TensorId>> AddLayer(absl::string_view name, absl::string_view op,
                                                 std::vector<TensorId> inputs, AttrMap attrs);
  // Same, for ops with one output.
  absl::StatusOr<TensorId> AddLayer1(absl::string_view name, absl::string_view op,
                                     std::vector<TensorId> inputs, AttrMap attrs);

  absl::Status MarkOutput(TensorId tensor);

  // Gives a layer's output tensor another name, which no other tensor may
  // have (the layer that makes it may: a one-output layer's tensor shares
  // its name). Importers use it so a network output keeps its file's name.
  // Inputs and constants keep theirs.
  absl::Status RenameTensor(TensorId tensor, absl::string_view name);

  // Records that something in the network was computed from its input dims
  // when it was made (an importer folding ONNX Shape nodes, SAME padding):
  // the builder then refuses profiles that vary more than the batch, naming
  // these reasons, rather than run a network that would be silently wrong.
  void PinShapes(std::string reason) { pinned_shapes_.push_back(std::move(reason)); }
  const std::vector<std::string>& pinned_shapes() const { return pinned_shapes_; }

  const TensorDesc& desc(TensorId tensor) const { return graph_.tensor(tensor).desc; }
  absl::StatusOr<TensorId> FindTensor(absl::string_view name) const;
  const Graph& graph() const { return graph_; }
  int num_layers() const { return graph_.num_nodes(); }

 private:
  absl::Status CheckNewName(absl::string_view what, absl::string_view name) const;
  absl::Status CheckTensor(absl::string_view layer, TensorId tensor) const;

  Graph graph_;
  std::vector<std::string> pinned_shapes_;
};

// Runs every node's shape inference again, in order, with the current input
// dims; updates the tensor descs in place. Used by the builder when it sets
// the max batch and by the runtime for each batch size.
absl::Status ReinferShapes(Graph& graph);
// The output descs (names empty) that `node`'s op infers from its inputs in
// `graph`; how a pass checks a layer it is about to make.
absl::StatusOr<std::vector<TensorDesc>> InferNode(const Graph& graph, const Node& node);

}  // namespace kiln

#endif  // KILN_GRAPH_NETWORK_DEFINITION_H_
