#include "optimizer/passes/fuse_attention.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/op_registry.h"
#include "graph/status_macros.h"
#include "ops/attention.h"
#include "ops/element_wise.h"
#include "ops/matmul.h"
#include "ops/shuffle.h"
#include "ops/softmax.h"
#include "optimizer/passes/pattern.h"

namespace kiln {
namespace {

constexpr char kPass[] = "fuse-attention";

using Context = MatchContext;

// One decomposed attention, as far as it has been found.
struct Match {
  NodeId transpose = kNoNode;  // writes KT
  NodeId scores = kNoNode;     // S = MatMul(Q, KT)
  std::vector<NodeId> middle;  // the scale, the mask Add, the SoftMax (in order)
  NodeId output = kNoNode;     // Y = MatMul(P, V)
  TensorId q = -1, src = -1, v = -1, mask = -1;
  std::vector<int64_t> perm;   // of the Transpose
  AttentionParams params;
};

// Whether `node` is a plain MatMul: two inputs, no transposes, no activation.
absl::StatusOr<bool> IsPlainMatMul(const Node& node) {
  if (node.op != kMatMulOp || node.inputs.size() != 2 || node.outputs.size() != 1) return false;
  absl::StatusOr<MatMulParams> params = MatMulParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(
        absl::StrCat(kPass, ": layer '", node.name, "' (MatMul): ", params.status().message()));
  }
  return !params->transpose_a && !params->transpose_b && !params->activation.has_value();
}

// The permutation of `node` when it is a Shuffle that only transposes.
absl::StatusOr<std::optional<std::vector<int64_t>>> TransposePerm(const Node& node) {
  if (node.op != kShuffleOp || node.inputs.size() != 1 || node.outputs.size() != 1) {
    return std::nullopt;
  }
  absl::StatusOr<ShuffleParams> params = ShuffleParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(
        absl::StrCat(kPass, ": layer '", node.name, "' (Shuffle): ", params.status().message()));
  }
  if (params->has_reshape || !params->second_transpose.empty() ||
      params->first_transpose.empty()) {
    return std::nullopt;
  }
  return params->first_transpose;
}

// Absorbs S * c, c * S or S / c after `*t` into the match (scale c or 1/c);
// does nothing when the reader of `*t` is another layer. False and why not
// when it is a Mul or Div that is not such a scale.
absl::StatusOr<bool> TakeScale(const Context& ctx, Match& match, TensorId* t, std::string* why) {
  const NodeId reader = SoleReader(ctx.graph, ctx.readers, ctx.taken, *t, why);
  if (reader == kNoNode) return false;
  const Node& node = ctx.graph.node(reader);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  if (op != ElementWiseOp::kProd && op != ElementWiseOp::kDiv) return true;
  const TensorId other = OtherOperand(node, *t);
  const std::optional<float> c = ScalarConstant(ctx.graph, other);
  const bool divides_s = op == ElementWiseOp::kDiv && node.inputs[0] == *t;
  if (!c.has_value() || (op == ElementWiseOp::kDiv && !divides_s) ||
      ctx.graph.tensor(node.outputs[0]).desc.dims != ctx.graph.tensor(*t).desc.dims) {
    *why = absl::StrCat(
        "the scores' reader ", DescribeLayer(node), " is not S * c, c * S or S / c with c ",
        "a one-element constant; its other operand is ",
        other < 0 ? std::string("the scores too") : DescribeOperand(ctx.graph, other));
    return false;
  }
  const float scale = op == ElementWiseOp::kDiv ? 1.0f / *c : *c;
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    *why = absl::StrCat(DescribeLayer(node), " scales the scores by ", scale,
                        "; Attention takes a finite scale > 0");
    return false;
  }
  match.params.scale = scale;
  match.middle.push_back(reader);
  *t = node.outputs[0];
  return true;
}

// Absorbs S2 + mask or mask + S2 after `*t`, mask a float tensor that
// broadcasts to S's dims; does nothing when the reader is another layer.
absl::StatusOr<bool> TakeMask(const Context& ctx, Match& match, TensorId* t, std::string* why) {
  const NodeId reader = SoleReader(ctx.graph, ctx.readers, ctx.taken, *t, why);
  if (reader == kNoNode) return false;
  const Node& node = ctx.graph.node(reader);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  if (op != ElementWiseOp::kSum) return true;
  const TensorId mask = OtherOperand(node, *t);
  if (mask < 0 || ctx.graph.tensor(node.outputs[0]).desc.dims != ctx.graph.tensor(*t).desc.dims) {
    *why = absl::StrCat("the mask of ", DescribeLayer(node), " ",
                        mask < 0 ? std::string("is the scores themselves")
                                 : absl::StrCat(DescribeOperand(ctx.graph, mask),
                                                " does not broadcast to the scores' dims"));
    return false;
  }
  match.mask = mask;
  match.middle.push_back(reader);
  *t = node.outputs[0];
  return true;
}

// P = SoftMax(*t) over the last axis, then Y = MatMul(P, V); false and why not.
absl::StatusOr<bool> TakeSoftMaxAndValues(const Context& ctx, Match& match, TensorId t,
                                          std::string* why) {
  const Graph& graph = ctx.graph;
  const NodeId softmax = SoleReader(graph, ctx.readers, ctx.taken, t, why);
  if (softmax == kNoNode) return false;
  const Node& node = graph.node(softmax);
  absl::StatusOr<SoftMaxParams> params = SoftMaxParams::FromAttrs(node.attrs);
  const int64_t rank = graph.tensor(t).desc.rank();
  if (node.op != kSoftMaxOp || !params.ok() || params->log ||
      (params->axis != -1 && params->axis != rank - 1)) {
    *why = absl::StrCat("the scores' reader ", DescribeLayer(node),
                        " is not a SoftMax over the last axis (-1 or ", rank - 1, ")");
    return false;
  }
  match.middle.push_back(softmax);
  const TensorId p = node.outputs[0];
  const NodeId out = SoleReader(graph, ctx.readers, ctx.taken, p, why);
  if (out == kNoNode) return false;
  KILN_ASSIGN_OR_RETURN(bool plain, IsPlainMatMul(graph.node(out)));
  if (!plain || graph.node(out).inputs[0] != p) {
    *why = absl::StrCat("the SoftMax's reader ", DescribeLayer(graph.node(out)),
                        " is not MatMul(P, V) without transposes or activation");
    return false;
  }
  match.output = out;
  match.v = graph.node(out).inputs[1];
  return true;
}

// K as Attention takes it: src under perm, then the last two axes swapped.
std::vector<int64_t> ComposedPerm(const std::vector<int64_t>& perm) {
  return {perm[0], perm[1], perm[3], perm[2]};
}

bool IsIdentity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// Why Q, K and V of `match` do not make an Attention layer (rank, constants,
// what the op's shape inference says); "" when they do.
std::string WhyNotOperands(const Graph& graph, const Match& match) {
  for (TensorId t : {match.q, match.src, match.v}) {
    if (graph.tensor(t).desc.rank() != 4) {
      return absl::StrCat(DescribeOperand(graph, t), " has rank ", graph.tensor(t).desc.rank(),
                          "; Attention takes rank-4 Q, K and V");
    }
    if (graph.tensor(t).is_constant()) {
      return absl::StrCat(DescribeOperand(graph, t),
                          " is a constant; Attention takes Q, K and V of the same batch");
    }
  }
  std::vector<TensorDesc> inputs = {graph.tensor(match.q).desc, graph.tensor(match.src).desc,
                                    graph.tensor(match.v).desc};
  const std::vector<int64_t> perm = ComposedPerm(match.perm);
  for (int i = 0; i < 4; ++i) inputs[1].dims[i] = graph.tensor(match.src).desc.dims[perm[i]];
  if (match.mask >= 0) inputs.push_back(graph.tensor(match.mask).desc);
  const AttrMap attrs = match.params.ToAttrs();
  const Node& first = graph.node(match.scores);
  absl::StatusOr<std::vector<TensorDesc>> out = OpRegistry::Global().Infer(
      InferenceContext{first.name, kAttentionOp, attrs, inputs, {}});
  if (!out.ok()) return std::string(out.status().message());
  const TensorDesc& y = graph.tensor(graph.node(match.output).outputs[0]).desc;
  if ((*out)[0].dims != y.dims || (*out)[0].dtype != y.dtype) {
    return absl::StrCat("Attention would write ", DataTypeName((*out)[0].dtype), " ",
                        DimsString((*out)[0].dims), " where the MatMul writes ",
                        DataTypeName(y.dtype), " ", DimsString(y.dims),
                        " (Q, K and V broadcast in batch or heads)");
  }
  return "";
}

// The decomposed attention whose scores MatMul is `first`, or nothing
// (saying why when `first` reads a Transpose).
absl::StatusOr<std::optional<Match>> FindMatch(const Context& ctx, NodeId first, Logger* logger) {
  const Graph& graph = ctx.graph;
  const Node& node = graph.node(first);
  KILN_ASSIGN_OR_RETURN(bool plain, IsPlainMatMul(node));
  if (!plain || graph.tensor(node.inputs[1]).producer == kNoNode) return std::nullopt;
  Match match;
  match.transpose = graph.tensor(node.inputs[1]).producer;
  KILN_ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> perm,
                        TransposePerm(graph.node(match.transpose)));
  if (!perm.has_value() || ctx.taken[match.transpose]) return std::nullopt;
  match.scores = first;
  match.q = node.inputs[0];
  match.src = graph.node(match.transpose).inputs[0];
  match.perm = *perm;
  std::string why;
  TensorId t = node.outputs[0];
  bool ok = SoleReader(graph, ctx.readers, ctx.taken, node.inputs[1], &why) == first;
  if (ok && (graph.tensor(match.q).desc.rank() != 4 || match.perm.size() != 4)) {
    why = absl::StrCat("Q ", DescribeOperand(graph, match.q), " has rank ",
                       graph.tensor(match.q).desc.rank(), " and KT rank ", match.perm.size(),
                       "; Attention takes rank 4");
    ok = false;
  }
  if (ok) {
    KILN_ASSIGN_OR_RETURN(ok, TakeScale(ctx, match, &t, &why));
  }
  if (ok) {
    KILN_ASSIGN_OR_RETURN(ok, TakeMask(ctx, match, &t, &why));
  }
  if (ok) {
    KILN_ASSIGN_OR_RETURN(ok, TakeSoftMaxAndValues(ctx, match, t, &why));
  }
  if (ok) {
    why = WhyNotOperands(graph, match);
    ok = why.empty();
  }
  if (!ok) {
    LogVerbose(logger, kPass, ": not fusing from ", DescribeLayer(node), ": ", why);
    return std::nullopt;
  }
  return match;
}

// Makes the Transpose of `match` write K (or marks it removed when K is src
// itself) and the P V MatMul the Attention layer; the scores MatMul and the
// layers between are left for the caller to drop.
void Fuse(Graph& graph, const Match& match, std::vector<bool>& removed) {
  const std::string name = graph.node(match.scores).name;
  const std::vector<int64_t> perm = ComposedPerm(match.perm);
  TensorId k = match.src;
  if (IsIdentity(perm)) {
    removed[match.transpose] = true;
  } else {
    Tensor kt;
    kt.desc = graph.tensor(match.src).desc;
    for (int i = 0; i < 4; ++i) kt.desc.dims[i] = graph.tensor(match.src).desc.dims[perm[i]];
    kt.desc.format = TensorFormat::kLinear;
    kt.producer = match.transpose;
    k = AddNamedTensor(graph, name + ".k", std::move(kt));
    ShuffleParams params;
    params.first_transpose = perm;
    Node& transpose = graph.node(match.transpose);
    transpose.attrs = params.ToAttrs();
    transpose.outputs = {k};
  }
  Node& node = graph.node(match.output);
  node.op = kAttentionOp;
  node.name = name;
  node.attrs = match.params.ToAttrs();
  node.inputs = {match.q, k, match.v};
  if (match.mask >= 0) node.inputs.push_back(match.mask);
}

}  // namespace

absl::StatusOr<bool> FuseAttention::Run(Graph& graph, Logger* logger) {
  if (!BackendsRun(backends_, kAttentionOp, kPass, "decomposed attention", logger)) return false;
  // Topological order: the scores MatMul comes before the rest of its match.
  return RewriteMatches(
      graph, [&](const Context& ctx, NodeId n) { return FindMatch(ctx, n, logger); },
      [&](const Match& match, std::vector<bool>& taken, std::vector<bool>& removed) {
        for (NodeId m : {match.transpose, match.scores, match.output}) taken[m] = true;
        for (NodeId m : match.middle) taken[m] = removed[m] = true;
        removed[match.scores] = true;
        Fuse(graph, match, removed);
      });
}

}  // namespace kiln
