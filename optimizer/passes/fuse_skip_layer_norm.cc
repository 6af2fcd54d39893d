#include "optimizer/passes/fuse_skip_layer_norm.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/layer_normalization.h"
#include "optimizer/passes/pattern.h"
#include "serialization/node_context.h"

namespace kiln {
namespace {

constexpr char kPass[] = "fuse-skip-layer-norm";

struct Match {
  NodeId add = kNoNode, norm = kNoNode;
  TensorId a = -1, b = -1;
};

absl::StatusOr<std::optional<Match>> FindMatch(const MatchContext& ctx, NodeId n,
                                               const std::vector<std::string>& backends,
                                               Logger* logger) {
  const Graph& graph = ctx.graph;
  const Node& add = graph.node(n);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, add));
  if (op != ElementWiseOp::kSum) return std::nullopt;
  // A LayerNormalization that normalizes the sum, if any reads it.
  const TensorId sum_id = add.outputs[0];
  NodeId norm = kNoNode;
  for (NodeId reader : ctx.readers[sum_id]) {
    const Node& r = graph.node(reader);
    if (r.op == kLayerNormalizationOp && !r.inputs.empty() && r.inputs[0] == sum_id) norm = reader;
  }
  if (norm == kNoNode) return std::nullopt;
  const Node& ln = graph.node(norm);
  auto skip = [&](const std::string& reason) -> absl::StatusOr<std::optional<Match>> {
    LogVerbose(logger, kPass, ": not fusing ", DescribeLayer(add), " into ", DescribeLayer(ln),
               ": ", reason);
    return std::nullopt;
  };
  std::string why;
  if (SoleReader(graph, ctx.readers, ctx.taken, sum_id, &why) != norm) return skip(why);
  if (ln.inputs.size() > 3 && ln.inputs[3] >= 0) return skip("the LN already has a Skip");
  Match m{n, norm, add.inputs[0], add.inputs[1]};
  const TensorDesc& sum = graph.tensor(sum_id).desc;
  for (TensorId t : {m.a, m.b}) {
    const Tensor& operand = graph.tensor(t);
    if (operand.is_constant()) return skip(DescribeOperand(graph, t) + " is a constant");
    if (operand.desc.dtype != sum.dtype || operand.desc.dims != sum.dims) {
      return skip(DescribeOperand(graph, t) + " is broadcast to the sum");
    }
  }
  Node fused = ln;
  fused.inputs.resize(4, -1);
  fused.inputs[0] = m.a;
  fused.inputs[3] = m.b;
  // As a tactic sees it, at the dims the graph has now (before the batch is set).
  const NodeContext node = NodeContextFromGraph(graph, fused, /*max_batch=*/1, TargetOptions{});
  if (!SomeTacticRuns(backends, node, kPass, "a LayerNormalization with a Skip input",
                      absl::StrCat(DescribeLayer(add), " + ", DescribeLayer(ln)), logger)) {
    return std::nullopt;
  }
  return m;
}

}  // namespace

absl::StatusOr<bool> FuseSkipLayerNorm::Run(Graph& graph, Logger* logger) {
  return RewriteMatches(
      graph,
      [&](const MatchContext& ctx, NodeId n) { return FindMatch(ctx, n, backends_, logger); },
      [&](const Match& m, std::vector<bool>& taken, std::vector<bool>& removed) {
        taken[m.add] = taken[m.norm] = true;
        removed[m.add] = true;
        Node& ln = graph.node(m.norm);
        ln.inputs.resize(4, -1);
        ln.inputs[0] = m.a;
        ln.inputs[3] = m.b;
      });
}

}  // namespace kiln
