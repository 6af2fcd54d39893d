#include "optimizer/passes/fuse_qkv.h"

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/attention.h"
#include "ops/fully_connected.h"
#include "ops/shuffle.h"
#include "optimizer/passes/pattern.h"
#include "serialization/node_context.h"

namespace kiln {
namespace {

constexpr char kPass[] = "fuse-qkv";
constexpr char kQkvNames[3][2] = {"Q", "K", "V"};

struct Match {
  NodeId attention = kNoNode;
  std::array<NodeId, 3> fc = {kNoNode, kNoNode, kNoNode};
  std::array<NodeId, 3> reshape = {kNoNode, kNoNode, kNoNode};
};

// Whether `node` is a Shuffle that only reshapes.
absl::StatusOr<bool> OnlyReshapes(const Node& node) {
  if (node.op != kShuffleOp || node.inputs.size() != 1 || node.outputs.size() != 1) return false;
  absl::StatusOr<ShuffleParams> params = ShuffleParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(
        absl::StrCat(kPass, ": layer '", node.name, "' (Shuffle): ", params.status().message()));
  }
  return params->has_reshape && params->first_transpose.empty() && params->second_transpose.empty();
}

absl::StatusOr<std::optional<Match>> FindMatch(const MatchContext& ctx, NodeId n,
                                               const std::vector<std::string>& backends,
                                               Logger* logger) {
  const Graph& graph = ctx.graph;
  const Node& attention = graph.node(n);
  if (attention.op != kAttentionOp || attention.inputs.size() < 3) return std::nullopt;
  absl::StatusOr<AttentionParams> params = AttentionParams::FromAttrs(attention.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat(kPass, ": layer '", attention.name,
                                            "' (Attention): ", params.status().message()));
  }
  if (params->layout != AttentionLayout::kBshd) return std::nullopt;
  auto skip = [&](const std::string& reason) -> absl::StatusOr<std::optional<Match>> {
    LogVerbose(logger, kPass, ": not merging the projections of ", DescribeLayer(attention), ": ",
               reason);
    return std::nullopt;
  };
  Match m;
  m.attention = n;
  std::optional<FullyConnectedParams> fc_params;
  for (int i = 0; i < 3; ++i) {
    const TensorId t = attention.inputs[i];
    std::string why;
    if (SoleReader(graph, ctx.readers, ctx.taken, t, &why) != n) {
      return skip(absl::StrCat(kQkvNames[i], ": ", why));
    }
    const NodeId reshape = graph.tensor(t).producer;
    if (reshape == kNoNode || ctx.taken[reshape]) {
      return skip(absl::StrCat(kQkvNames[i], " is not written by a Reshape"));
    }
    KILN_ASSIGN_OR_RETURN(bool reshapes, OnlyReshapes(graph.node(reshape)));
    if (!reshapes) {
      return skip(absl::StrCat(kQkvNames[i], " comes from ", DescribeLayer(graph.node(reshape)),
                               ", not a Reshape"));
    }
    const TensorId projected = graph.node(reshape).inputs[0];
    if (SoleReader(graph, ctx.readers, ctx.taken, projected, &why) != reshape) {
      return skip(absl::StrCat(kQkvNames[i], "'s projection: ", why));
    }
    const NodeId fc = graph.tensor(projected).producer;
    if (fc == kNoNode || ctx.taken[fc] || graph.node(fc).op != kFullyConnectedOp) {
      return skip(absl::StrCat(kQkvNames[i], " is not projected by a FullyConnected layer"));
    }
    const Node& fc_node = graph.node(fc);
    absl::StatusOr<FullyConnectedParams> p = FullyConnectedParams::FromAttrs(fc_node.attrs);
    if (!p.ok()) {
      return absl::InternalError(absl::StrCat(kPass, ": layer '", fc_node.name,
                                              "' (FullyConnected): ", p.status().message()));
    }
    if (p->activation.has_value()) return skip(DescribeLayer(fc_node) + " has a fused activation");
    if (fc_params.has_value() && p->axis != fc_params->axis) {
      return skip("the projections flatten at different axes");
    }
    fc_params = *p;
    m.fc[i] = fc;
    m.reshape[i] = reshape;
  }
  const Node& q = graph.node(m.fc[0]);
  const bool bias = q.inputs.size() > 2 && q.inputs[2] >= 0;
  for (int i = 0; i < 3; ++i) {
    const Node& fc = graph.node(m.fc[i]);
    if (fc.inputs[0] != q.inputs[0]) return skip("the projections read different inputs");
    if ((fc.inputs.size() > 2 && fc.inputs[2] >= 0) != bias) {
      return skip("some projections have a bias and some do not");
    }
    for (int w = 1; w < (bias ? 3 : 2); ++w) {
      const Tensor& mine = graph.tensor(fc.inputs[w]);
      const Tensor& qs = graph.tensor(q.inputs[w]);
      if (!mine.is_constant() || mine.desc.dtype != qs.desc.dtype ||
          mine.desc.dims != qs.desc.dims || mine.desc.dims.size() != (w == 1 ? 2u : 1u)) {
        return skip(absl::StrCat(DescribeLayer(fc), "'s ", w == 1 ? "weights" : "bias",
                                 " are not constants of Q's shape and type"));
      }
    }
    if (graph.tensor(graph.node(m.reshape[i]).outputs[0]).desc.dims !=
        graph.tensor(attention.inputs[0]).desc.dims) {
      return skip(absl::StrCat(kQkvNames[i], " and Q differ in shape"));
    }
  }
  Node folded = attention;
  AttentionParams packed = *params;
  packed.layout = AttentionLayout::kPackedQkv;
  folded.attrs = packed.ToAttrs();
  folded.inputs[1] = folded.inputs[2] = -1;
  // As a tactic would see it: Q's tensor, split into [B, S, 3, H, D].
  NodeContext node = NodeContextFromGraph(graph, folded, /*max_batch=*/1, TargetOptions{});
  node.inputs[0].dims.insert(node.inputs[0].dims.end() - 2, 3);
  if (!SomeTacticRuns(backends, node, kPass, "an Attention layer in layout packed_qkv",
                      absl::StrCat("the projections of ", DescribeLayer(attention)), logger)) {
    return std::nullopt;
  }
  return m;
}

// The constants `parts` (one dtype, concatenated along dim 0).
std::shared_ptr<const Weights> Concat0(const std::array<const Weights*, 3>& parts) {
  Dims dims = parts[0]->dims();
  dims[0] *= 3;
  auto out = std::make_shared<Weights>(parts[0]->dtype(), dims);
  char* at = static_cast<char*>(out->mutable_data());
  for (const Weights* w : parts) {
    std::memcpy(at, w->data(), w->bytes());
    at += w->bytes();
  }
  return out;
}

}  // namespace

absl::StatusOr<bool> FuseQkv::Run(Graph& graph, Logger* logger) {
  return RewriteMatches(
      graph,
      [&](const MatchContext& ctx, NodeId n) { return FindMatch(ctx, n, backends_, logger); },
      [&](const Match& m, std::vector<bool>& taken, std::vector<bool>& removed) {
        const Node q_fc = graph.node(m.fc[0]);
        // Weights (and biases) of Q, K and V stacked: one projection of width 3N.
        std::vector<TensorId> fc_inputs = {q_fc.inputs[0]};
        for (size_t w = 1; w < q_fc.inputs.size() && q_fc.inputs[w] >= 0; ++w) {
          std::array<const Weights*, 3> parts;
          for (int i = 0; i < 3; ++i) {
            parts[i] = graph.tensor(graph.node(m.fc[i]).inputs[w]).constant.get();
          }
          Tensor stacked;
          stacked.constant = Concat0(parts);
          stacked.desc = graph.tensor(q_fc.inputs[w]).desc;
          stacked.desc.dims = stacked.constant->dims();
          fc_inputs.push_back(AddNamedTensor(
              graph, absl::StrCat(q_fc.name, w == 1 ? ".qkv_weight" : ".qkv_bias"), stacked));
        }
        Tensor wide;
        wide.desc = graph.tensor(q_fc.outputs[0]).desc;
        wide.desc.dims.back() *= 3;
        wide.producer = m.fc[0];
        const TensorId wide_id = AddNamedTensor(graph, q_fc.name + ".qkv", wide);
        Tensor split;
        split.desc = graph.tensor(graph.node(m.attention).inputs[0]).desc;
        split.desc.dims.insert(split.desc.dims.end() - 2, 3);
        split.producer = m.reshape[0];
        const TensorId split_id =
            AddNamedTensor(graph, graph.node(m.reshape[0]).name + ".qkv", split);

        Node& fc = graph.node(m.fc[0]);
        fc.inputs = fc_inputs;
        fc.outputs = {wide_id};
        Node& reshape = graph.node(m.reshape[0]);
        // Q's reshape target with the 3 before the heads: [a, b, H, D] becomes
        // [a, b, 3, H, D], keeping its placeholders (0 copies, -1 infers).
        ShuffleParams p = *ShuffleParams::FromAttrs(reshape.attrs);
        p.reshape.insert(p.reshape.end() - 2, 3);
        reshape.attrs = p.ToAttrs();
        reshape.inputs = {wide_id};
        reshape.outputs = {split_id};
        Node& attention = graph.node(m.attention);
        AttentionParams params = *AttentionParams::FromAttrs(attention.attrs);
        params.layout = AttentionLayout::kPackedQkv;
        attention.attrs = params.ToAttrs();
        attention.inputs[0] = split_id;
        attention.inputs[1] = attention.inputs[2] = -1;
        taken[m.attention] = true;
        for (int i = 0; i < 3; ++i) {
          taken[m.fc[i]] = taken[m.reshape[i]] = true;
          if (i > 0) removed[m.fc[i]] = removed[m.reshape[i]] = true;
        }
      });
}

}  // namespace kiln
