#include "optimizer/passes/fuse_pointwise.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/activation.h"
#include "ops/element_wise.h"
#include "ops/pointwise_chain.h"
#include "ops/scale.h"
#include "ops/unary.h"
#include "optimizer/passes/pattern.h"

namespace kiln {
namespace {

// A layer that can be part of a chain: the tensor it computes on and the
// steps it applies to it.
struct Link {
  TensorId input = -1;
  std::vector<PointwiseStep> steps;
};

// A layer's verdict: a link, or why not ("" for ops the pass does not know,
// which it does not mention).
struct Verdict {
  std::optional<Link> link;
  std::string why_not;
};

Verdict Rejected(std::string why) { return Verdict{std::nullopt, std::move(why)}; }

// Params of `node` through FromAttrs; validation admitted the layer, so a bad
// attribute is a broken invariant.
template <typename Params>
absl::StatusOr<Params> ParamsOf(const Node& node) {
  absl::StatusOr<Params> params = Params::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat("fuse-pointwise: layer '", node.name, "' (", node.op,
                                            "): ", params.status().message()));
  }
  return params;
}

// A Scale in uniform mode with constant (or omitted) shift, scale and power.
absl::StatusOr<Verdict> ScaleLink(const Graph& graph, const Node& node) {
  KILN_ASSIGN_OR_RETURN(ScaleParams params, ParamsOf<ScaleParams>(node));
  if (params.mode != ScaleMode::kUniform) {
    return Rejected(absl::StrCat("it is in ", ScaleModeName(params.mode),
                                 " mode; only uniform Scale layers join a chain"));
  }
  constexpr const char* kNames[] = {"x", "shift", "scale", "power"};
  std::optional<float> values[4];
  for (size_t i = 1; i < node.inputs.size() && i < 4; ++i) {
    if (node.inputs[i] < 0) continue;
    values[i] = ScalarConstant(graph, node.inputs[i]);
    if (!values[i].has_value()) {
      return Rejected(absl::StrCat("its ", kNames[i], " ", DescribeOperand(graph, node.inputs[i]),
                                   " is not a one-element fp32/fp16 constant"));
    }
  }
  Link link{node.inputs[0], {PointwiseStep::Scale(values[2].value_or(1.0f),
                                                  values[1].value_or(0.0f), values[3])}};
  return Verdict{link, ""};
}

// An ElementWise whose other operand is a one-element constant (on either side).
absl::StatusOr<Verdict> ElementWiseLink(const Graph& graph, const Node& node) {
  KILN_ASSIGN_OR_RETURN(ElementWiseParams params, ParamsOf<ElementWiseParams>(node));
  if (node.inputs.size() != 2 || node.outputs.size() != 1) {
    return Rejected("it does not have two inputs and one output");
  }
  const DataType dtype = graph.tensor(node.outputs[0]).desc.dtype;
  if (!IsFloatType(dtype)) {
    return Rejected(absl::StrCat("it computes on ", DataTypeName(dtype),
                                 "; chains are fp32 or fp16"));
  }
  const bool scalar_first = !ScalarConstant(graph, node.inputs[1]).has_value();
  const std::optional<float> scalar = ScalarConstant(graph, node.inputs[scalar_first ? 0 : 1]);
  if (!scalar.has_value()) {
    return Rejected(absl::StrCat("neither operand is a one-element constant: ",
                                 DescribeOperand(graph, node.inputs[0]), " and ",
                                 DescribeOperand(graph, node.inputs[1])));
  }
  Link link{node.inputs[scalar_first ? 1 : 0],
            {PointwiseStep::ElementWise(params.op, *scalar, scalar_first)}};
  return Verdict{link, ""};
}

// What `node` is to the pass, before looking at its neighbours.
absl::StatusOr<Verdict> VerdictOn(const Graph& graph, const Node& node) {
  Verdict verdict;
  if (node.op == kActivationOp) {
    KILN_ASSIGN_OR_RETURN(ActivationParams params, ParamsOf<ActivationParams>(node));
    verdict.link = Link{node.inputs[0], {PointwiseStep::Activation(params)}};
  } else if (node.op == kUnaryOp) {
    KILN_ASSIGN_OR_RETURN(UnaryParams params, ParamsOf<UnaryParams>(node));
    verdict.link = Link{node.inputs[0], {PointwiseStep::Unary(params.op)}};
  } else if (node.op == kPointwiseChainOp) {
    KILN_ASSIGN_OR_RETURN(PointwiseChainParams params, ParamsOf<PointwiseChainParams>(node));
    verdict.link = Link{node.inputs[0], params.steps};
  } else if (node.op == kScaleOp) {
    KILN_ASSIGN_OR_RETURN(verdict, ScaleLink(graph, node));
  } else if (node.op == kElementWiseOp) {
    KILN_ASSIGN_OR_RETURN(verdict, ElementWiseLink(graph, node));
  } else {
    return verdict;
  }
  if (!verdict.link.has_value()) return verdict;
  // The chain computes on one float tensor and keeps its shape and type.
  const TensorDesc& in = graph.tensor(verdict.link->input).desc;
  if (!IsFloatType(in.dtype)) {
    return Rejected(absl::StrCat("it computes on ", DataTypeName(in.dtype), " '", in.name,
                                 "'; chains are fp32 or fp16"));
  }
  if (node.outputs.size() != 1) return Rejected("it has several outputs");
  const TensorDesc& out = graph.tensor(node.outputs[0]).desc;
  if (out.dims != in.dims || out.dtype != in.dtype) {
    return Rejected(absl::StrCat("its output '", out.name, "' (", DataTypeName(out.dtype), " ",
                                 DimsString(out.dims), ") is not shaped like its input '",
                                 in.name, "' (", DataTypeName(in.dtype), " ",
                                 DimsString(in.dims), "): the constant broadcasts"));
  }
  return verdict;
}

// Why the chain ending at `last` (with `steps` steps) cannot take the reader
// of its output; "" when it can, and then `*next` is that reader.
std::string WhyChainEnds(const Graph& graph, const Readers& readers,
                         const std::vector<std::optional<Link>>& links, NodeId last, int steps,
                         NodeId* next) {
  const TensorId t = graph.node(last).outputs[0];
  const Tensor& tensor = graph.tensor(t);
  const std::string what = absl::StrCat("its output '", tensor.desc.name, "' ");
  if (tensor.is_output) return what + "is a network output";
  if (readers[t].size() != 1) {
    return absl::StrCat(what, "has ", DescribeReaders(graph, readers[t]));
  }
  const NodeId reader = readers[t][0];
  const Node& node = graph.node(reader);
  if (!links[reader].has_value() || links[reader]->input != t) {
    return absl::StrCat("its reader '", node.name, "' (", node.op,
                        ") is not an element-wise layer that can join a chain");
  }
  const int more = static_cast<int>(links[reader]->steps.size());
  if (steps + more > kMaxPointwiseChainSteps) {
    return absl::StrCat("the chain has ", steps, " steps and '", node.name, "' brings ", more,
                        "; a PointwiseChain holds at most ", kMaxPointwiseChainSteps);
  }
  *next = reader;
  return "";
}

// The longest chain that starts at `first`, following sole readers; says why
// it ends there.
std::vector<NodeId> GrowChain(const Graph& graph, const Readers& readers,
                              const std::vector<std::optional<Link>>& links, NodeId first,
                              Logger* logger) {
  std::vector<NodeId> chain = {first};
  int steps = static_cast<int>(links[first]->steps.size());
  while (true) {
    NodeId next = kNoNode;
    const std::string why = WhyChainEnds(graph, readers, links, chain.back(), steps, &next);
    if (!why.empty()) {
      const Node& last = graph.node(chain.back());
      if (chain.size() == 1) {
        LogVerbose(logger, "fuse-pointwise: not fusing '", last.name, "' (", last.op,
                   ") with what follows: ", why);
      } else {
        LogVerbose(logger, "fuse-pointwise: the chain from '", graph.node(first).name, "' (",
                   chain.size(), " layers) ends at '", last.name, "': ", why);
      }
      return chain;
    }
    chain.push_back(next);
    steps += static_cast<int>(links[next]->steps.size());
  }
}

// Rewrites the first layer of `chain` into the PointwiseChain of all of it;
// the others are left for the caller to drop.
void Fuse(Graph& graph, const std::vector<std::optional<Link>>& links,
          const std::vector<NodeId>& chain) {
  PointwiseChainParams params;
  for (NodeId n : chain) {
    params.steps.insert(params.steps.end(), links[n]->steps.begin(), links[n]->steps.end());
  }
  const TensorId out = graph.node(chain.back()).outputs[0];
  Node& node = graph.node(chain.front());
  node.op = kPointwiseChainOp;
  node.attrs = params.ToAttrs();
  node.inputs = {links[chain.front()]->input};
  node.outputs = {out};
  graph.tensor(out).producer = chain.front();
}

// Each layer's link, or nothing (saying why for the element-wise layers the
// pass knows).
absl::StatusOr<std::vector<std::optional<Link>>> FindLinks(const Graph& graph, Logger* logger) {
  std::vector<std::optional<Link>> links(graph.num_nodes());
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    const Node& node = graph.node(n);
    KILN_ASSIGN_OR_RETURN(Verdict verdict, VerdictOn(graph, node));
    if (!verdict.why_not.empty()) {
      LogVerbose(logger, "fuse-pointwise: '", node.name, "' (", node.op,
                 ") cannot join a chain: ", verdict.why_not);
    }
    links[n] = std::move(verdict.link);
  }
  return links;
}

}  // namespace

absl::StatusOr<bool> FusePointwise::Run(Graph& graph, Logger* logger) {
  if (!BackendsRun(backends_, kPointwiseChainOp, "fuse-pointwise", "element-wise layers",
                   logger)) {
    return false;
  }
  KILN_ASSIGN_OR_RETURN(std::vector<std::optional<Link>> links, FindLinks(graph, logger));
  const Readers readers = ReadersOf(graph);
  std::vector<bool> taken(graph.num_nodes(), false);
  std::vector<bool> removed(graph.num_nodes(), false);
  // Topological order: a chain's first layer comes before the rest of it, so
  // each chain is found whole from its start.
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (taken[n] || !links[n].has_value()) continue;
    const std::vector<NodeId> chain = GrowChain(graph, readers, links, n, logger);
    for (NodeId c : chain) taken[c] = true;
    if (chain.size() < 2) continue;
    Fuse(graph, links, chain);
    for (size_t i = 1; i < chain.size(); ++i) removed[chain[i]] = true;
  }
  return DropRemoved(graph, removed);
}

}  // namespace kiln
