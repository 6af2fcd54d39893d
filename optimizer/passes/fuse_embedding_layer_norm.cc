#include "optimizer/passes/fuse_embedding_layer_norm.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/network_definition.h"
#include "graph/status_macros.h"
#include "ops/embedding_layer_norm.h"
#include "ops/gather.h"
#include "ops/layer_normalization.h"
#include "optimizer/passes/pattern.h"
#include "serialization/node_context.h"

namespace kiln {
namespace {

constexpr char kPass[] = "fuse-embedding-layer-norm";

struct Match {
  NodeId norm = kNoNode;
  std::vector<NodeId> removed;  // the sums and gathers
  Node fused;
};

// The sum tree under `t`: appends its leaves in order to `leaves` and the
// sums to `sums`. A tensor is a sum (expanded) when an ElementWise sum not
// yet taken writes it, `parent` alone reads it and it is no network output.
absl::Status CollectLeaves(const MatchContext& ctx, TensorId t, NodeId parent,
                           std::vector<TensorId>& leaves, std::vector<NodeId>& sums) {
  const Graph& graph = ctx.graph;
  const NodeId producer = graph.tensor(t).producer;
  std::string why;
  if (producer != kNoNode && !ctx.taken[producer] &&
      SoleReader(graph, ctx.readers, ctx.taken, t, &why) == parent) {
    KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op,
                          ElementWiseOpOf(kPass, graph.node(producer)));
    const Node& node = graph.node(producer);
    if (op == ElementWiseOp::kSum && node.inputs.size() == 2 && node.inputs[0] != node.inputs[1]) {
      sums.push_back(producer);
      for (TensorId in : node.inputs) {
        KILN_RETURN_IF_ERROR(CollectLeaves(ctx, in, producer, leaves, sums));
      }
      return absl::OkStatus();
    }
  }
  leaves.push_back(t);
  return absl::OkStatus();
}

// The Gather that writes `t` when it can be fused (axis 0 of a constant
// [V, C] table, read by `parent` alone); else kNoNode.
NodeId FusableGather(const MatchContext& ctx, TensorId t, NodeId parent, int64_t c) {
  const Graph& graph = ctx.graph;
  const NodeId producer = graph.tensor(t).producer;
  if (producer == kNoNode || ctx.taken[producer]) return kNoNode;
  const Node& node = graph.node(producer);
  if (node.op != kGatherOp || node.inputs.size() != 2) return kNoNode;
  absl::StatusOr<GatherParams> params = GatherParams::FromAttrs(node.attrs);
  const Tensor& table = graph.tensor(node.inputs[0]);
  if (!params.ok() || params->axis != 0 || !table.is_constant() || table.desc.rank() != 2 ||
      table.desc.dims[1] != c) {
    return kNoNode;
  }
  std::string why;
  if (SoleReader(graph, ctx.readers, ctx.taken, t, &why) != parent) return kNoNode;
  return producer;
}

absl::StatusOr<std::optional<Match>> FindMatch(const MatchContext& ctx, NodeId n,
                                               const std::vector<std::string>& backends,
                                               Logger* logger) {
  const Graph& graph = ctx.graph;
  const Node& ln = graph.node(n);
  if (ln.op != kLayerNormalizationOp || ln.inputs.size() < 2) return std::nullopt;
  auto skip = [&](const std::string& reason) -> absl::StatusOr<std::optional<Match>> {
    LogVerbose(logger, kPass, ": not fusing at ", DescribeLayer(ln), ": ", reason);
    return std::nullopt;
  };
  const TensorDesc& x = graph.tensor(ln.inputs[0]).desc;
  KILN_ASSIGN_OR_RETURN(LayerNormalizationParams params,
                        LayerNormalizationParams::FromAttrs(ln.attrs));
  if (x.rank() < 1 || (params.axis != -1 && params.axis != x.rank() - 1)) {
    return std::nullopt;  // not over the last axis: no embedding layer
  }
  const int64_t c = x.dims.back();
  for (size_t i = 1; i < ln.outputs.size(); ++i) {
    const TensorId stat = ln.outputs[i];
    if (graph.tensor(stat).is_output || !ctx.readers[stat].empty()) {
      return skip("its Mean or InvStdDev is read");
    }
  }
  for (size_t i = 1; i < 3 && i < ln.inputs.size(); ++i) {
    if (ln.inputs[i] < 0) continue;
    const Tensor& t = graph.tensor(ln.inputs[i]);
    if (!t.is_constant() || t.desc.dims != Dims{c}) {
      return skip(DescribeOperand(graph, ln.inputs[i]) + " is not a constant of " +
                  std::to_string(c) + " elements");
    }
  }
  // The terms of X (and of the Skip), in order.
  std::vector<TensorId> leaves;
  std::vector<NodeId> sums;
  KILN_RETURN_IF_ERROR(CollectLeaves(ctx, ln.inputs[0], n, leaves, sums));
  if (ln.inputs.size() > 3 && ln.inputs[3] >= 0) {
    KILN_RETURN_IF_ERROR(CollectLeaves(ctx, ln.inputs[3], n, leaves, sums));
  }
  std::vector<NodeId> gathers;
  std::vector<TensorId> dense;
  for (TensorId leaf : leaves) {
    // A leaf read by a sum, or by the LN itself (X or Skip).
    NodeId parent = n;
    for (NodeId s : sums) {
      for (TensorId in : graph.node(s).inputs) {
        if (in == leaf) parent = s;
      }
    }
    const NodeId gather = FusableGather(ctx, leaf, parent, c);
    if (gather != kNoNode) {
      gathers.push_back(gather);
    } else {
      dense.push_back(leaf);
    }
  }
  if (gathers.empty()) return std::nullopt;  // no embedding lookup: nothing to fuse
  // A third lookup (the position embeddings of a model exported with a
  // dynamic sequence: a Gather at 0..seq-1 made at run time) stays a layer
  // of its own, and its result is the addend.
  if (gathers.size() == 3 && dense.empty()) {
    dense.push_back(graph.node(gathers.back()).outputs[0]);
    gathers.pop_back();
  }
  if (gathers.size() > 2 || dense.size() > 1) {
    return skip(absl::StrCat("its input sums ", gathers.size(), " table lookups and ", dense.size(),
                             " other tensors; the fused layer takes at most 2 and 1"));
  }
  for (TensorId t : dense) {
    if (graph.tensor(t).desc.dtype != x.dtype) {
      return skip(DescribeOperand(graph, t) + " is not of the LayerNorm's dtype");
    }
  }
  Match m;
  m.norm = n;
  m.fused.name = ln.name;
  m.fused.op = kEmbeddingLayerNormOp;
  EmbeddingLayerNormParams fused_params;
  fused_params.epsilon = params.epsilon;
  m.fused.attrs = fused_params.ToAttrs();
  m.fused.inputs.assign(7, -1);
  m.fused.inputs[kEmbedIds] = graph.node(gathers[0]).inputs[1];
  m.fused.inputs[kEmbedTable] = graph.node(gathers[0]).inputs[0];
  if (gathers.size() > 1) {
    m.fused.inputs[kEmbedSegmentIds] = graph.node(gathers[1]).inputs[1];
    m.fused.inputs[kEmbedSegmentTable] = graph.node(gathers[1]).inputs[0];
  }
  if (!dense.empty()) m.fused.inputs[kEmbedAddend] = dense[0];
  m.fused.inputs[kEmbedScale] = ln.inputs[1];
  if (ln.inputs.size() > 2 && ln.inputs[2] >= 0) {
    m.fused.inputs[kEmbedBias] = ln.inputs[2];
  } else {
    m.fused.inputs.resize(kEmbedBias);
  }
  m.fused.outputs = {ln.outputs[0]};
  absl::StatusOr<std::vector<TensorDesc>> out = InferNode(graph, m.fused);
  if (!out.ok()) return skip(std::string(out.status().message()));
  const TensorDesc& y = graph.tensor(ln.outputs[0]).desc;
  if ((*out)[0].dims != y.dims || (*out)[0].dtype != y.dtype) {
    return skip(
        absl::StrCat("the fused layer would write ", (*out)[0].ToString(), ", not ", y.ToString()));
  }
  const NodeContext node = NodeContextFromGraph(graph, m.fused, /*max_batch=*/1, TargetOptions{});
  if (!SomeTacticRuns(backends, node, kPass, "an EmbeddingLayerNorm", DescribeLayer(ln), logger)) {
    return std::nullopt;
  }
  m.removed = sums;
  m.removed.insert(m.removed.end(), gathers.begin(), gathers.end());
  return m;
}

}  // namespace

absl::StatusOr<bool> FuseEmbeddingLayerNorm::Run(Graph& graph, Logger* logger) {
  return RewriteMatches(
      graph,
      [&](const MatchContext& ctx, NodeId n) { return FindMatch(ctx, n, backends_, logger); },
      [&](const Match& m, std::vector<bool>& taken, std::vector<bool>& removed) {
        taken[m.norm] = true;
        for (NodeId r : m.removed) taken[r] = removed[r] = true;
        graph.node(m.norm) = m.fused;
      });
}

}  // namespace kiln
