#include "optimizer/passes/fold_attention_transposes.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/attention.h"
#include "ops/shuffle.h"
#include "optimizer/passes/pattern.h"
#include "serialization/node_context.h"

namespace kiln {
namespace {

constexpr char kPass[] = "fold-attention-transposes";
constexpr char kQkvNames[3][2] = {"Q", "K", "V"};

struct Match {
  NodeId attention = kNoNode;
  std::array<NodeId, 3> inputs = {kNoNode, kNoNode, kNoNode};  // the Shuffles before Q, K, V
  NodeId output = kNoNode;                                     // the Shuffle after
};

// Whether `node` is a Shuffle that only swaps axes 1 and 2 of a rank-4
// tensor (permutation [0, 2, 1, 3], no reshape).
absl::StatusOr<bool> SwapsAxes12(const Node& node) {
  if (node.op != kShuffleOp || node.inputs.size() != 1 || node.outputs.size() != 1) return false;
  absl::StatusOr<ShuffleParams> params = ShuffleParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(
        absl::StrCat(kPass, ": layer '", node.name, "' (Shuffle): ", params.status().message()));
  }
  return !params->has_reshape && params->second_transpose.empty() &&
         params->first_transpose == std::vector<int64_t>{0, 2, 1, 3};
}

absl::StatusOr<std::optional<Match>> FindMatch(const MatchContext& ctx, NodeId n,
                                               const std::vector<std::string>& backends,
                                               Logger* logger) {
  const Graph& graph = ctx.graph;
  const Node& attention = graph.node(n);
  if (attention.op != kAttentionOp || attention.outputs.size() != 1) return std::nullopt;
  absl::StatusOr<AttentionParams> params = AttentionParams::FromAttrs(attention.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat(kPass, ": layer '", attention.name,
                                            "' (Attention): ", params.status().message()));
  }
  if (params->layout != AttentionLayout::kBhsd) return std::nullopt;
  auto skip = [&](const std::string& reason) -> absl::StatusOr<std::optional<Match>> {
    LogVerbose(logger, kPass, ": not folding the transposes of ", DescribeLayer(attention), ": ",
               reason);
    return std::nullopt;
  };
  Match m;
  m.attention = n;
  Node folded = attention;
  for (int i = 0; i < 3; ++i) {
    const TensorId t = attention.inputs[i];
    const NodeId producer = graph.tensor(t).producer;
    if (producer == kNoNode || ctx.taken[producer]) {
      return skip(absl::StrCat(kQkvNames[i], " '", graph.tensor(t).desc.name,
                               "' is not written by a Shuffle"));
    }
    const Node& shuffle = graph.node(producer);
    KILN_ASSIGN_OR_RETURN(bool swaps, SwapsAxes12(shuffle));
    if (!swaps) {
      return skip(absl::StrCat(kQkvNames[i], " comes from ", DescribeLayer(shuffle),
                               ", not a Transpose with permutation [0, 2, 1, 3]"));
    }
    std::string why;
    if (SoleReader(graph, ctx.readers, ctx.taken, t, &why) != n) {
      return skip(absl::StrCat(kQkvNames[i], ": ", why));
    }
    m.inputs[i] = producer;
    folded.inputs[i] = shuffle.inputs[0];
  }
  std::string why;
  const NodeId reader = SoleReader(graph, ctx.readers, ctx.taken, attention.outputs[0], &why);
  if (reader == kNoNode) return skip(absl::StrCat("the output: ", why));
  KILN_ASSIGN_OR_RETURN(bool swaps, SwapsAxes12(graph.node(reader)));
  if (!swaps) {
    return skip(absl::StrCat("the output is read by ", DescribeLayer(graph.node(reader)),
                             ", not a Transpose with permutation [0, 2, 1, 3]"));
  }
  m.output = reader;
  AttentionParams bshd = *params;
  bshd.layout = AttentionLayout::kBshd;
  folded.attrs = bshd.ToAttrs();
  folded.outputs[0] = graph.node(reader).outputs[0];
  // As a tactic sees it, at the dims the graph has now (before the batch is set).
  const NodeContext node = NodeContextFromGraph(graph, folded, /*max_batch=*/1, TargetOptions{});
  if (!SomeTacticRuns(backends, node, kPass, "an Attention layer in layout bshd",
                      absl::StrCat("the transposes around ", DescribeLayer(attention)), logger)) {
    return std::nullopt;
  }
  return m;
}

}  // namespace

absl::StatusOr<bool> FoldAttentionTransposes::Run(Graph& graph, Logger* logger) {
  return RewriteMatches(
      graph,
      [&](const MatchContext& ctx, NodeId n) { return FindMatch(ctx, n, backends_, logger); },
      [&](const Match& m, std::vector<bool>& taken, std::vector<bool>& removed) {
        Node& attention = graph.node(m.attention);
        for (int i = 0; i < 3; ++i) {
          attention.inputs[i] = graph.node(m.inputs[i]).inputs[0];
          taken[m.inputs[i]] = removed[m.inputs[i]] = true;
        }
        AttentionParams params = *AttentionParams::FromAttrs(attention.attrs);
        params.layout = AttentionLayout::kBshd;
        attention.attrs = params.ToAttrs();
        const TensorId out = graph.node(m.output).outputs[0];
        attention.outputs[0] = out;
        graph.tensor(out).producer = m.attention;
        taken[m.attention] = taken[m.output] = removed[m.output] = true;
      });
}

}  // namespace kiln
