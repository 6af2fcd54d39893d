#include "optimizer/passes/fuse_conv_epilogue.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/activation.h"
#include "ops/convolution.h"
#include "ops/element_wise.h"
#include "optimizer/passes/topological_sort.h"

namespace kiln {
namespace {

// The one layer that reads `t`, when `t` is an intermediate float tensor read
// by one layer not already absorbed elsewhere; kNoNode and why not otherwise.
NodeId SoleReader(const Graph& graph, const Readers& readers, const std::vector<bool>& removed,
                  TensorId t, std::string* why) {
  const Tensor& tensor = graph.tensor(t);
  const std::string what = absl::StrCat("tensor '", tensor.desc.name, "' ");
  if (tensor.is_output) {
    *why = what + "is a network output";
  } else if (!IsFloatType(tensor.desc.dtype)) {
    *why = what + "is " + std::string(DataTypeName(tensor.desc.dtype));
  } else if (readers[t].size() != 1) {
    *why = absl::StrCat(what, "has ", DescribeReaders(graph, readers[t]));
  } else if (removed[readers[t][0]]) {
    *why = absl::StrCat("its reader '", graph.node(readers[t][0]).name,
                        "' is already fused into another convolution");
  } else {
    return readers[t][0];
  }
  return kNoNode;
}

// What one Convolution absorbs.
struct Epilogue {
  NodeId sum = kNoNode;           // the ElementWise sum, if absorbed
  TensorId residual = -1;         // its other operand
  NodeId activation = kNoNode;    // the Activation, if absorbed
  TensorId output = -1;           // the tensor the fused layer writes
};

// The residual operand when `node` is a non-broadcasting sum of `t` and
// another tensor of the same dims and dtype; -1 and why not otherwise.
absl::StatusOr<TensorId> ResidualOperand(const Graph& graph, const Node& node, TensorId t,
                                         std::string* why) {
  *why = absl::StrCat("its reader '", node.name, "' (", node.op,
                      ") is neither an ElementWise sum nor an Activation");
  if (node.op != kElementWiseOp || node.inputs.size() != 2 || node.outputs.size() != 1) return -1;
  absl::StatusOr<ElementWiseParams> params = ElementWiseParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat("fuse-conv-epilogue: layer '", node.name,
                                            "' (ElementWise): ", params.status().message()));
  }
  if (params->op != ElementWiseOp::kSum) return -1;
  const TensorId other = node.inputs[0] == t ? node.inputs[1] : node.inputs[0];
  *why = absl::StrCat("'", node.name, "' adds the convolution's output to itself");
  if (other < 0 || other == t) return -1;
  const TensorDesc& a = graph.tensor(t).desc;
  const TensorDesc& b = graph.tensor(other).desc;
  const TensorDesc& y = graph.tensor(node.outputs[0]).desc;
  *why = absl::StrCat("'", node.name, "' adds '", b.name, "' (", DataTypeName(b.dtype), " ",
                      DimsString(b.dims), ") to '", a.name, "' (", DataTypeName(a.dtype), " ",
                      DimsString(a.dims), "): not the same dims and dtype");
  if (b.dims != a.dims || y.dims != a.dims || b.dtype != a.dtype) return -1;
  why->clear();
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

// Logs why `conv` absorbs nothing (or nothing after its sum); returns `e`.
Epilogue Stop(Logger* logger, const Node& conv, const Epilogue& e, absl::string_view why) {
  if (e.sum == kNoNode) {
    LogVerbose(logger, "fuse-conv-epilogue: not fusing into '", conv.name, "': ", why);
  } else {
    LogVerbose(logger, "fuse-conv-epilogue: fusing the sum into '", conv.name,
               "' but no activation: ", why);
  }
  return e;
}

// What Convolution `conv` can absorb; an Epilogue with output -1 when nothing.
absl::StatusOr<Epilogue> FindEpilogue(const Graph& graph, NodeId conv, const Readers& readers,
                                      const std::vector<bool>& removed, Logger* logger) {
  Epilogue e;
  const Node& node = graph.node(conv);
  if (node.op != kConvolutionOp) return e;
  if (node.outputs.size() != 1) return Stop(logger, node, e, "it has several outputs");
  absl::StatusOr<ConvolutionParams> params = ConvolutionParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat("fuse-conv-epilogue: layer '", node.name,
                                            "' (Convolution): ", params.status().message()));
  }
  if (params->activation.has_value() || (node.inputs.size() > 3 && node.inputs[3] >= 0)) {
    return Stop(logger, node, e, "it already has a fused activation or residual");
  }
  std::string why;
  TensorId t = node.outputs[0];
  NodeId next = SoleReader(graph, readers, removed, t, &why);
  if (next == kNoNode) return Stop(logger, node, e, why);
  KILN_ASSIGN_OR_RETURN(TensorId residual, ResidualOperand(graph, graph.node(next), t, &why));
  if (residual >= 0) {
    e.sum = next;
    e.residual = residual;
    t = graph.node(next).outputs[0];
    e.output = t;
    next = SoleReader(graph, readers, removed, t, &why);
    if (next == kNoNode) return Stop(logger, node, e, why);
  }
  KILN_ASSIGN_OR_RETURN(bool activation, IsActivation(graph.node(next)));
  if (!activation) {
    // After a sum, any reader but an Activation ends the epilogue.
    if (e.sum != kNoNode) {
      why = absl::StrCat("its reader '", graph.node(next).name, "' (", graph.node(next).op,
                         ") is not an Activation");
    }
    return Stop(logger, node, e, why);
  }
  e.activation = next;
  e.output = graph.node(next).outputs[0];
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

absl::StatusOr<bool> FuseConvEpilogue::Run(Graph& graph, Logger* logger) {
  const Readers readers = ReadersOf(graph);
  std::vector<bool> removed(graph.num_nodes(), false);
  bool changed = false;
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (removed[n]) continue;
    KILN_ASSIGN_OR_RETURN(Epilogue e, FindEpilogue(graph, n, readers, removed, logger));
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
  KILN_RETURN_IF_ERROR(sort.Run(graph, logger).status());
  return true;
}

}  // namespace kiln
