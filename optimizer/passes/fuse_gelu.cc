#include "optimizer/passes/fuse_gelu.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/activation.h"
#include "ops/element_wise.h"
#include "ops/unary.h"
#include "optimizer/passes/pattern.h"

namespace kiln {
namespace {

constexpr char kPass[] = "fuse-gelu";
constexpr float kSqrt2 = 1.41421356237309505f;
constexpr float kInvSqrt2 = 0.70710678118654752f;

using Context = MatchContext;

// One decomposed GELU, as far as it has been found.
struct Match {
  std::vector<NodeId> nodes;  // its layers
  TensorId x = -1;
  TensorId output = -1;  // what the last layer found so far writes
};

// Whether `t` is a one-element constant holding `want` (see HoldsValue).
bool IsConstant(const Graph& graph, TensorId t, float want) {
  const std::optional<float> value = ScalarConstant(graph, t);
  return value.has_value() && HoldsValue(*value, want, graph.tensor(t).desc.dtype);
}

// Why operand `t` does not hold `want`, for messages.
std::string WhyNotConstant(const Graph& graph, TensorId t, float want) {
  if (t < 0) return "the layer reads one tensor twice";
  const std::optional<float> value = ScalarConstant(graph, t);
  if (!value.has_value()) {
    return DescribeOperand(graph, t) + " is not a one-element fp32/fp16 constant";
  }
  return absl::StrCat(DescribeOperand(graph, t), " holds ", *value, ", not ", want,
                      " within 1e-6 relative");
}

// The Erf's input a = x / sqrt(2) or x * (1 / sqrt(2)); sets match.x. False
// and why not.
absl::StatusOr<bool> MatchScaledInput(const Context& ctx, NodeId erf, Match& match,
                                      std::string* why) {
  const Graph& graph = ctx.graph;
  const TensorId a = graph.node(erf).inputs[0];
  const NodeId producer = graph.tensor(a).producer;
  if (producer == kNoNode || ctx.taken[producer]) {
    *why = absl::StrCat("its input '", graph.tensor(a).desc.name,
                        "' is not x / sqrt(2) computed by a layer of its own");
    return false;
  }
  if (SoleReader(graph, ctx.readers, ctx.taken, a, why) == kNoNode) return false;
  const Node& node = graph.node(producer);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  if (op == ElementWiseOp::kDiv) {
    if (!IsConstant(graph, node.inputs[1], kSqrt2)) {
      *why = absl::StrCat("the divisor of ", DescribeLayer(node),
                          " is not sqrt(2): ", WhyNotConstant(graph, node.inputs[1], kSqrt2));
      return false;
    }
    match.x = node.inputs[0];
  } else if (op == ElementWiseOp::kProd) {
    const bool first = IsConstant(graph, node.inputs[0], kInvSqrt2);
    if (!first && !IsConstant(graph, node.inputs[1], kInvSqrt2)) {
      *why = absl::StrCat("neither operand of ", DescribeLayer(node),
                          " is 1/sqrt(2): ", WhyNotConstant(graph, node.inputs[0], kInvSqrt2), "; ",
                          WhyNotConstant(graph, node.inputs[1], kInvSqrt2));
      return false;
    }
    match.x = node.inputs[first ? 1 : 0];
  } else {
    *why = absl::StrCat("its input '", graph.tensor(a).desc.name, "' comes from ",
                        DescribeLayer(node), ", not from x / sqrt(2) or x * (1/sqrt(2))");
    return false;
  }
  match.nodes.push_back(producer);
  return true;
}

// p = erf + 1 (either order); p, or -1 and why not.
absl::StatusOr<TensorId> MatchOnePlusErf(const Context& ctx, NodeId erf, Match& match,
                                         std::string* why) {
  const TensorId e = ctx.graph.node(erf).outputs[0];
  const NodeId add = SoleReader(ctx.graph, ctx.readers, ctx.taken, e, why);
  if (add == kNoNode) return -1;
  const Node& node = ctx.graph.node(add);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  const TensorId one = OtherOperand(node, e);
  if (op != ElementWiseOp::kSum || !IsConstant(ctx.graph, one, 1.0f)) {
    *why = absl::StrCat(
        "its reader ", DescribeLayer(node), " is not erf + 1",
        op == ElementWiseOp::kSum ? ": " + WhyNotConstant(ctx.graph, one, 1.0f) : std::string());
    return -1;
  }
  match.nodes.push_back(add);
  return node.outputs[0];
}

// The Mul that reads the match's output and multiplies it by 0.5 (`by_half`)
// or by x: the last factor. False and why not.
absl::StatusOr<bool> MatchLastFactor(const Context& ctx, bool by_half, Match& match,
                                     std::string* why) {
  const Graph& graph = ctx.graph;
  const TensorId q = match.output;
  const NodeId mul = SoleReader(graph, ctx.readers, ctx.taken, q, why);
  if (mul == kNoNode) return false;
  const Node& node = graph.node(mul);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  const TensorId other = OtherOperand(node, q);
  if (op != ElementWiseOp::kProd ||
      (by_half ? !IsConstant(graph, other, 0.5f) : other != match.x)) {
    *why = absl::StrCat("the reader of '", graph.tensor(q).desc.name, "' ", DescribeLayer(node),
                        " is not a Mul by ",
                        by_half ? "0.5" : "'" + graph.tensor(match.x).desc.name + "'");
    return false;
  }
  match.nodes.push_back(mul);
  match.output = node.outputs[0];
  return true;
}

// `h` = x * 0.5 (either order), read only by the Mul the match ends with.
// False and why not.
absl::StatusOr<bool> MatchHalfX(const Context& ctx, TensorId h, Match& match, std::string* why) {
  const Graph& graph = ctx.graph;
  const NodeId producer = graph.tensor(h).producer;
  *why = absl::StrCat("the other factor of ", DescribeLayer(graph.node(match.nodes.back())), ", '",
                      graph.tensor(h).desc.name, "', is neither '", graph.tensor(match.x).desc.name,
                      "', 0.5 nor '", graph.tensor(match.x).desc.name, "' * 0.5");
  if (producer == kNoNode || ctx.taken[producer]) return false;
  const Node& node = graph.node(producer);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  if (op != ElementWiseOp::kProd || !IsConstant(graph, OtherOperand(node, match.x), 0.5f)) {
    return false;
  }
  if (SoleReader(graph, ctx.readers, ctx.taken, h, why) == kNoNode) return false;
  match.nodes.push_back(producer);
  return true;
}

// The products of x, p = 1 + erf and 0.5 in any grouping. False and why not.
absl::StatusOr<bool> MatchProducts(const Context& ctx, TensorId p, Match& match, std::string* why) {
  const Graph& graph = ctx.graph;
  const NodeId mul = SoleReader(graph, ctx.readers, ctx.taken, p, why);
  if (mul == kNoNode) return false;
  const Node& node = graph.node(mul);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  const TensorId other = OtherOperand(node, p);
  if (op != ElementWiseOp::kProd || other < 0) {
    *why = absl::StrCat("the reader of 1 + erf ", DescribeLayer(node),
                        " is not a Mul of it and another tensor");
    return false;
  }
  match.nodes.push_back(mul);
  match.output = node.outputs[0];
  // (x * p) * 0.5 or (p * 0.5) * x: one Mul more, by the factor not yet taken.
  if (other == match.x) return MatchLastFactor(ctx, /*by_half=*/true, match, why);
  if (IsConstant(graph, other, 0.5f)) return MatchLastFactor(ctx, /*by_half=*/false, match, why);
  // (x * 0.5) * p.
  return MatchHalfX(ctx, other, match, why);
}

// Why a layer of `match` changes x's dims or type (a constant of higher rank
// broadcasts); "" when none does.
std::string WhyBroadcasts(const Graph& graph, const Match& match) {
  const TensorDesc& x = graph.tensor(match.x).desc;
  for (NodeId n : match.nodes) {
    const TensorDesc& out = graph.tensor(graph.node(n).outputs[0]).desc;
    if (out.dims != x.dims || out.dtype != x.dtype || !IsFloatType(x.dtype)) {
      return absl::StrCat(DescribeLayer(graph.node(n)), " writes ", DataTypeName(out.dtype), " ",
                          DimsString(out.dims), " from '", x.name, "' (", DataTypeName(x.dtype),
                          " ", DimsString(x.dims), "); the fused layer keeps a float input's dims");
    }
  }
  return "";
}

// The layers of the GELU around `erf`; false and why not.
absl::StatusOr<bool> MatchAround(const Context& ctx, NodeId erf, Match& match, std::string* why) {
  KILN_ASSIGN_OR_RETURN(const bool input, MatchScaledInput(ctx, erf, match, why));
  if (!input) return false;
  match.nodes.push_back(erf);
  KILN_ASSIGN_OR_RETURN(const TensorId p, MatchOnePlusErf(ctx, erf, match, why));
  if (p < 0) return false;
  KILN_ASSIGN_OR_RETURN(const bool products, MatchProducts(ctx, p, match, why));
  if (!products) return false;
  *why = WhyBroadcasts(ctx.graph, match);
  return why->empty();
}

// The decomposed GELU around `erf` when it is an Erf, or nothing (saying why).
absl::StatusOr<std::optional<Match>> FindMatch(const Context& ctx, NodeId erf, Logger* logger) {
  const Node& node = ctx.graph.node(erf);
  KILN_ASSIGN_OR_RETURN(std::optional<UnaryOp> unary, UnaryOpOf(kPass, node));
  if (unary != UnaryOp::kErf) return std::nullopt;
  Match match;
  std::string why;
  KILN_ASSIGN_OR_RETURN(const bool found, MatchAround(ctx, erf, match, &why));
  if (!found) {
    LogVerbose(logger, kPass, ": not fusing at ", DescribeLayer(node), ": ", why);
    return std::nullopt;
  }
  return match;
}

// Rewrites the first layer of `match` (in graph order) into the Gelu; the
// others are left for the caller to drop. The first layer is a legal place:
// x comes before every layer of the match, and the readers of the output
// after every one.
NodeId Fuse(Graph& graph, const Match& match) {
  const NodeId first = *std::min_element(match.nodes.begin(), match.nodes.end());
  ActivationParams params;
  params.type = ActivationType::kGelu;
  Node& node = graph.node(first);
  node.op = kActivationOp;
  node.attrs = params.ToAttrs();
  node.inputs = {match.x};
  node.outputs = {match.output};
  graph.tensor(match.output).producer = first;
  return first;
}

}  // namespace

absl::StatusOr<bool> FuseGelu::Run(Graph& graph, Logger* logger) {
  if (!BackendsRun(backends_, kActivationOp, kPass, "decomposed GELUs", logger)) return false;
  return RewriteMatches(
      graph, [&](const Context& ctx, NodeId n) { return FindMatch(ctx, n, logger); },
      [&](const Match& match, std::vector<bool>& taken, std::vector<bool>& removed) {
        for (NodeId m : match.nodes) taken[m] = removed[m] = true;
        removed[Fuse(graph, match)] = false;
      });
}

}  // namespace kiln
