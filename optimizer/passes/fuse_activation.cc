#include "optimizer/passes/fuse_activation.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/activation.h"
#include "ops/fully_connected.h"
#include "ops/matmul.h"
#include "optimizer/passes/pattern.h"
#include "serialization/node_context.h"

namespace kiln {
namespace {

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

// Logs why `node` absorbs no Activation; returns kNoNode.
NodeId NotFusing(Logger* logger, const Node& node, absl::string_view why) {
  LogVerbose(logger, "fuse-activation: not fusing into '", node.name, "' (", node.op, "): ", why);
  return kNoNode;
}

// The Activation that `producer` can absorb, or kNoNode (saying why when
// `producer` is a FullyConnected or MatMul).
absl::StatusOr<NodeId> FusableReader(const Graph& graph, NodeId producer, const Readers& readers,
                                     const std::vector<std::string>& backends, Logger* logger) {
  const Node& node = graph.node(producer);
  if (node.op != kFullyConnectedOp && node.op != kMatMulOp) return kNoNode;
  if (node.outputs.size() != 1) {
    return NotFusing(logger, node, absl::StrCat("it has ", node.outputs.size(), " outputs"));
  }
  const TensorId out = node.outputs[0];
  const Tensor& tensor = graph.tensor(out);
  const std::string what = absl::StrCat("its output '", tensor.desc.name, "' ");
  if (tensor.is_output) return NotFusing(logger, node, what + "is a network output");
  if (!IsFloatType(tensor.desc.dtype)) {
    return NotFusing(logger, node, what + "is " + std::string(DataTypeName(tensor.desc.dtype)));
  }
  if (readers[out].size() != 1) {
    return NotFusing(logger, node,
                     absl::StrCat(what, "has ", DescribeReaders(graph, readers[out])));
  }
  const NodeId reader = readers[out][0];
  const Node& act = graph.node(reader);
  if (act.op != kActivationOp || act.inputs.size() != 1 || act.outputs.size() != 1) {
    return NotFusing(
        logger, node,
        absl::StrCat("its reader '", act.name, "' (", act.op, ") is not an Activation"));
  }
  absl::StatusOr<ActivationParams> params = ActivationParams::FromAttrs(act.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat("fuse-activation: layer '", act.name,
                                            "' (Activation): ", params.status().message()));
  }
  if (!IsFusableActivation(params->type)) {
    return NotFusing(logger, node,
                     absl::StrCat("'", act.name, "' is ", ActivationTypeName(params->type),
                                  ", which GEMM tactics do not run as an epilogue"));
  }
  KILN_ASSIGN_OR_RETURN(std::optional<ActivationType> existing, ExistingActivation(node));
  if (existing.has_value()) {
    return NotFusing(logger, node,
                     absl::StrCat("it already has a fused ", ActivationTypeName(*existing)));
  }
  // As a tactic would see the fused layer (dims as the graph has them now).
  Node fused = node;
  SetFusedActivation(params->type, fused.attrs);
  fused.outputs[0] = act.outputs[0];
  const NodeContext ctx = NodeContextFromGraph(graph, fused, /*max_batch=*/1, TargetOptions{});
  if (!SomeTacticRuns(
          backends, ctx, "fuse-activation",
          absl::StrCat("a ", node.op, " with a fused ", ActivationTypeName(params->type)),
          absl::StrCat("'", node.name, "' + '", act.name, "'"), logger)) {
    return kNoNode;
  }
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

absl::StatusOr<bool> FuseActivation::Run(Graph& graph, Logger* logger) {
  const Readers readers = ReadersOf(graph);
  std::vector<bool> removed(graph.num_nodes(), false);
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (removed[n]) continue;
    KILN_ASSIGN_OR_RETURN(NodeId reader, FusableReader(graph, n, readers, backends_, logger));
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
