#include "optimizer/passes/fuse_activation.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/activation.h"
#include "ops/fully_connected.h"
#include "ops/matmul.h"

namespace kiln {
namespace {

// The layers that read each tensor, once per layer.
std::vector<std::vector<NodeId>> ReadersOf(const Graph& graph) {
  std::vector<std::vector<NodeId>> readers(graph.num_tensors());
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    for (TensorId t : graph.node(n).inputs) {
      if (t >= 0 && (readers[t].empty() || readers[t].back() != n)) readers[t].push_back(n);
    }
  }
  return readers;
}

// The fused activation `node` already has (an error for a bad attribute:
// validation admitted the layer, so that is a broken invariant).
absl::StatusOr<std::optional<ActivationType>> ExistingActivation(const Node& node) {
  absl::StatusOr<std::optional<ActivationType>> activation = GetFusedActivation(node.attrs);
  if (!activation.ok()) {
    return absl::InternalError(absl::StrCat("fuse-activation: layer '", node.name, "' (",
                                            node.op, "): ", activation.status().message()));
  }
  return activation;
}

// The Activation that `producer` can absorb, or kNoNode.
absl::StatusOr<NodeId> FusableReader(const Graph& graph, NodeId producer,
                                     const std::vector<std::vector<NodeId>>& readers) {
  const Node& node = graph.node(producer);
  if (node.op != kFullyConnectedOp && node.op != kMatMulOp) return kNoNode;
  if (node.outputs.size() != 1) return kNoNode;
  const TensorId out = node.outputs[0];
  const Tensor& tensor = graph.tensor(out);
  if (tensor.is_output || !IsFloatType(tensor.desc.dtype)) return kNoNode;
  if (readers[out].size() != 1) return kNoNode;
  const NodeId reader = readers[out][0];
  const Node& act = graph.node(reader);
  if (act.op != kActivationOp || act.inputs.size() != 1 || act.outputs.size() != 1) {
    return kNoNode;
  }
  absl::StatusOr<ActivationParams> params = ActivationParams::FromAttrs(act.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat("fuse-activation: layer '", act.name,
                                            "' (Activation): ", params.status().message()));
  }
  if (!IsFusableActivation(params->type)) return kNoNode;
  KILN_ASSIGN_OR_RETURN(std::optional<ActivationType> existing, ExistingActivation(node));
  if (existing.has_value()) return kNoNode;
  return reader;
}

// Moves the activation of `reader` into `producer`, which now writes the
// Activation's output tensor; `reader` is left for the caller to drop.
absl::Status Fuse(Graph& graph, NodeId producer, NodeId reader) {
  KILN_ASSIGN_OR_RETURN(ActivationParams params,
                        ActivationParams::FromAttrs(graph.node(reader).attrs));
  Node& node = graph.node(producer);
  SetFusedActivation(params.type, node.attrs);
  const TensorId out = graph.node(reader).outputs[0];
  node.outputs[0] = out;
  graph.tensor(out).producer = producer;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> FuseActivation::Run(Graph& graph) {
  const std::vector<std::vector<NodeId>> readers = ReadersOf(graph);
  std::vector<bool> removed(graph.num_nodes(), false);
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (removed[n]) continue;
    KILN_ASSIGN_OR_RETURN(NodeId reader, FusableReader(graph, n, readers));
    if (reader == kNoNode || removed[reader]) continue;
    KILN_RETURN_IF_ERROR(Fuse(graph, n, reader));
    removed[reader] = true;
  }
  std::vector<NodeId> keep;
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (!removed[n]) keep.push_back(n);
  }
  if (static_cast<int>(keep.size()) == graph.num_nodes()) return false;
  graph.Reorder(keep);
  return true;
}

}  // namespace kiln
