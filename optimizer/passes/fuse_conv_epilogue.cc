#include "optimizer/passes/fuse_conv_epilogue.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/activation.h"
#include "ops/convolution.h"
#include "ops/element_wise.h"
#include "optimizer/passes/topological_sort.h"

namespace kiln {
namespace {

using Readers = std::vector<std::vector<NodeId>>;

// The layers that read each tensor, once per layer.
Readers ReadersOf(const Graph& graph) {
  Readers readers(graph.num_tensors());
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    for (TensorId t : graph.node(n).inputs) {
      if (t >= 0 && (readers[t].empty() || readers[t].back() != n)) readers[t].push_back(n);
    }
  }
  return readers;
}

// The one layer that reads `t`, when `t` is an intermediate float tensor
// with exactly one reader; kNoNode otherwise.
NodeId SoleReader(const Graph& graph, const Readers& readers, TensorId t) {
  const Tensor& tensor = graph.tensor(t);
  if (tensor.is_output || !IsFloatType(tensor.desc.dtype)) return kNoNode;
  if (readers[t].size() != 1) return kNoNode;
  return readers[t][0];
}

// What one Convolution absorbs.
struct Epilogue {
  NodeId sum = kNoNode;           // the ElementWise sum, if absorbed
  TensorId residual = -1;         // its other operand
  NodeId activation = kNoNode;    // the Activation, if absorbed
  TensorId output = -1;           // the tensor the fused layer writes
};

// The residual operand when `node` is a non-broadcasting sum of `t` and
// another tensor of the same dims and dtype; -1 otherwise.
absl::StatusOr<TensorId> ResidualOperand(const Graph& graph, const Node& node, TensorId t) {
  if (node.op != kElementWiseOp || node.inputs.size() != 2 || node.outputs.size() != 1) return -1;
  absl::StatusOr<ElementWiseParams> params = ElementWiseParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat("fuse-conv-epilogue: layer '", node.name,
                                            "' (ElementWise): ", params.status().message()));
  }
  if (params->op != ElementWiseOp::kSum) return -1;
  const TensorId other = node.inputs[0] == t ? node.inputs[1] : node.inputs[0];
  if (other < 0 || other == t) return -1;
  const TensorDesc& a = graph.tensor(t).desc;
  const TensorDesc& b = graph.tensor(other).desc;
  const TensorDesc& y = graph.tensor(node.outputs[0]).desc;
  if (b.dims != a.dims || y.dims != a.dims || b.dtype != a.dtype) return -1;
  return other;
}

// True when `node` is an Activation of one input and one output.
absl::StatusOr<bool> IsActivation(const Node& node) {
  if (node.op != kActivationOp || node.inputs.size() != 1 || node.outputs.size() != 1) {
    return false;
  }
  absl::StatusOr<ActivationParams> params = ActivationParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat("fuse-conv-epilogue: layer '", node.name,
                                            "' (Activation): ", params.status().message()));
  }
  return true;
}

// What Convolution `conv` can absorb; an Epilogue with output -1 when nothing.
absl::StatusOr<Epilogue> FindEpilogue(const Graph& graph, NodeId conv, const Readers& readers,
                                      const std::vector<bool>& removed) {
  Epilogue e;
  const Node& node = graph.node(conv);
  if (node.op != kConvolutionOp || node.outputs.size() != 1) return e;
  absl::StatusOr<ConvolutionParams> params = ConvolutionParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat("fuse-conv-epilogue: layer '", node.name,
                                            "' (Convolution): ", params.status().message()));
  }
  if (params->activation.has_value() || (node.inputs.size() > 3 && node.inputs[3] >= 0)) {
    return e;  // already fused
  }
  TensorId t = node.outputs[0];
  NodeId next = SoleReader(graph, readers, t);
  if (next == kNoNode || removed[next]) return e;
  KILN_ASSIGN_OR_RETURN(TensorId residual, ResidualOperand(graph, graph.node(next), t));
  if (residual >= 0) {
    e.sum = next;
    e.residual = residual;
    t = graph.node(next).outputs[0];
    e.output = t;
    next = SoleReader(graph, readers, t);
    if (next == kNoNode || removed[next]) return e;
  }
  KILN_ASSIGN_OR_RETURN(bool activation, IsActivation(graph.node(next)));
  if (activation) {
    e.activation = next;
    e.output = graph.node(next).outputs[0];
  }
  return e;
}

// Rewrites `conv` to compute its epilogue; the absorbed layers are left for
// the caller to drop.
absl::Status Fuse(Graph& graph, NodeId conv, const Epilogue& e) {
  KILN_ASSIGN_OR_RETURN(ConvolutionParams params,
                        ConvolutionParams::FromAttrs(graph.node(conv).attrs));
  if (e.activation != kNoNode) {
    KILN_ASSIGN_OR_RETURN(params.activation,
                          ActivationParams::FromAttrs(graph.node(e.activation).attrs));
  }
  Node& node = graph.node(conv);
  AttrMap attrs = params.ToAttrs();
  node.attrs = std::move(attrs);
  if (e.residual >= 0) {
    node.inputs.resize(4, -1);
    node.inputs[3] = e.residual;
  }
  node.outputs[0] = e.output;
  graph.tensor(e.output).producer = conv;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> FuseConvEpilogue::Run(Graph& graph) {
  const Readers readers = ReadersOf(graph);
  std::vector<bool> removed(graph.num_nodes(), false);
  bool changed = false;
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (removed[n]) continue;
    KILN_ASSIGN_OR_RETURN(Epilogue e, FindEpilogue(graph, n, readers, removed));
    if (e.output < 0) continue;
    KILN_RETURN_IF_ERROR(Fuse(graph, n, e));
    if (e.sum != kNoNode) removed[e.sum] = true;
    if (e.activation != kNoNode) removed[e.activation] = true;
    changed = true;
  }
  if (!changed) return false;
  std::vector<NodeId> keep;
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (!removed[n]) keep.push_back(n);
  }
  graph.Reorder(keep);
  // A fused layer also reads its residual, which may come later in the old order.
  TopologicalSort sort;
  KILN_RETURN_IF_ERROR(sort.Run(graph).status());
  return true;
}

}  // namespace kiln
