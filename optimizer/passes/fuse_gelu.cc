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

constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kCubeCoefficient = 0.044715f;

// One decomposed GELU, as far as it has been found.
struct Match {
  bool tanh_form = false;     // found around a Tanh (else around an Erf)
  std::vector<NodeId> nodes;  // its layers
  TensorId x = -1;
  TensorId output = -1;  // what the last layer found so far writes
  const char* fn() const { return tanh_form ? "tanh" : "erf"; }
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

// p = f + 1 (either order), f the Erf's or Tanh's output; p, or -1 and why
// not.
absl::StatusOr<TensorId> MatchOnePlus(const Context& ctx, NodeId f, Match& match,
                                      std::string* why) {
  const TensorId e = ctx.graph.node(f).outputs[0];
  const NodeId add = SoleReader(ctx.graph, ctx.readers, ctx.taken, e, why);
  if (add == kNoNode) return -1;
  const Node& node = ctx.graph.node(add);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  const TensorId one = OtherOperand(node, e);
  if (op != ElementWiseOp::kSum || !IsConstant(ctx.graph, one, 1.0f)) {
    *why = absl::StrCat(
        "its reader ", DescribeLayer(node), " is not ", match.fn(), " + 1",
        op == ElementWiseOp::kSum ? ": " + WhyNotConstant(ctx.graph, one, 1.0f) : std::string());
    return -1;
  }
  match.nodes.push_back(add);
  return node.outputs[0];
}

// The operand of `node` that is not the one-element constant `want`, or -1
// when neither operand holds it.
TensorId OperandBesides(const Graph& graph, const Node& node, float want) {
  if (node.inputs.size() != 2) return -1;
  if (IsConstant(graph, node.inputs[0], want)) return node.inputs[1];
  if (IsConstant(graph, node.inputs[1], want)) return node.inputs[0];
  return -1;
}

// The layer that writes `t` when it is a Mul (kProd), Add (kSum) or Pow as
// `want` says, is not yet taken and `t` is read by it alone (the pattern's
// next layer); else kNoNode and why not.
absl::StatusOr<NodeId> IntermediateOf(const Context& ctx, TensorId t, ElementWiseOp want,
                                      std::string* why) {
  const Graph& graph = ctx.graph;
  const NodeId producer = graph.tensor(t).producer;
  *why = absl::StrCat("'", graph.tensor(t).desc.name, "' is not computed by a ",
                      ElementWiseOpName(want), " layer of the pattern");
  if (producer == kNoNode || ctx.taken[producer]) return kNoNode;
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op,
                        ElementWiseOpOf(kPass, graph.node(producer)));
  if (op != want) return kNoNode;
  if (SoleReader(graph, ctx.readers, ctx.taken, t, why) == kNoNode) return kNoNode;
  return producer;
}

// Whether `c` is x^3: Pow(x, 3), x * (x * x) or (x * x) * x; adds its layers.
absl::StatusOr<bool> MatchCube(const Context& ctx, TensorId c, TensorId x, Match& match,
                               std::string* why) {
  const Graph& graph = ctx.graph;
  NodeId n = kNoNode;
  KILN_ASSIGN_OR_RETURN(n, IntermediateOf(ctx, c, ElementWiseOp::kPow, why));
  if (n != kNoNode) {
    const Node& pow = graph.node(n);
    if (pow.inputs[0] != x || !IsConstant(graph, pow.inputs[1], 3.0f)) {
      *why = absl::StrCat(DescribeLayer(pow), " is not '", graph.tensor(x).desc.name, "' ^ 3");
      return false;
    }
    match.nodes.push_back(n);
    return true;
  }
  KILN_ASSIGN_OR_RETURN(n, IntermediateOf(ctx, c, ElementWiseOp::kProd, why));
  if (n == kNoNode) return false;
  const Node& outer = graph.node(n);
  const TensorId square = OtherOperand(outer, x);
  if (square < 0 || (outer.inputs[0] != x && outer.inputs[1] != x)) {
    *why = absl::StrCat(DescribeLayer(outer), " is not '", graph.tensor(x).desc.name,
                        "' times its square");
    return false;
  }
  KILN_ASSIGN_OR_RETURN(const NodeId inner, IntermediateOf(ctx, square, ElementWiseOp::kProd, why));
  if (inner == kNoNode) return false;
  if (graph.node(inner).inputs[0] != x || graph.node(inner).inputs[1] != x) {
    *why = absl::StrCat(DescribeLayer(graph.node(inner)), " is not '", graph.tensor(x).desc.name,
                        "' * '", graph.tensor(x).desc.name, "'");
    return false;
  }
  match.nodes.push_back(n);
  match.nodes.push_back(inner);
  return true;
}

// The Tanh's input sqrt(2/pi) * (x + 0.044715 * x^3), each Mul and the Add
// in either operand order; sets match.x. False and why not.
absl::StatusOr<bool> MatchTanhInput(const Context& ctx, NodeId tanh, Match& match,
                                    std::string* why) {
  const Graph& graph = ctx.graph;
  KILN_ASSIGN_OR_RETURN(const NodeId scale,
                        IntermediateOf(ctx, graph.node(tanh).inputs[0], ElementWiseOp::kProd, why));
  if (scale == kNoNode) return false;
  const TensorId s = OperandBesides(graph, graph.node(scale), kSqrt2OverPi);
  if (s < 0) {
    *why = absl::StrCat(DescribeLayer(graph.node(scale)), " is not a Mul by sqrt(2/pi)");
    return false;
  }
  KILN_ASSIGN_OR_RETURN(const NodeId sum, IntermediateOf(ctx, s, ElementWiseOp::kSum, why));
  if (sum == kNoNode) return false;
  // x + k with k = 0.044715 * x^3: try x as either operand.
  for (int first = 0; first < 2; ++first) {
    const TensorId x = graph.node(sum).inputs[first];
    const TensorId k = graph.node(sum).inputs[1 - first];
    Match tried = match;
    std::string no;
    KILN_ASSIGN_OR_RETURN(const NodeId coefficient,
                          IntermediateOf(ctx, k, ElementWiseOp::kProd, &no));
    if (coefficient == kNoNode) continue;
    const TensorId c = OperandBesides(graph, graph.node(coefficient), kCubeCoefficient);
    if (c < 0) continue;
    tried.nodes.push_back(scale);
    tried.nodes.push_back(sum);
    tried.nodes.push_back(coefficient);
    KILN_ASSIGN_OR_RETURN(const bool cube, MatchCube(ctx, c, x, tried, &no));
    if (!cube) continue;
    tried.x = x;
    match = std::move(tried);
    return true;
  }
  *why = absl::StrCat(DescribeLayer(graph.node(sum)), " is not x + 0.044715 * x^3");
  return false;
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
    *why = absl::StrCat("the reader of 1 + ", match.fn(), " ", DescribeLayer(node),
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

// The layers of the GELU around `f`, its Erf or Tanh; false and why not.
absl::StatusOr<bool> MatchAround(const Context& ctx, NodeId f, Match& match, std::string* why) {
  KILN_ASSIGN_OR_RETURN(const bool input, match.tanh_form ? MatchTanhInput(ctx, f, match, why)
                                                          : MatchScaledInput(ctx, f, match, why));
  if (!input) return false;
  match.nodes.push_back(f);
  KILN_ASSIGN_OR_RETURN(const TensorId p, MatchOnePlus(ctx, f, match, why));
  if (p < 0) return false;
  KILN_ASSIGN_OR_RETURN(const bool products, MatchProducts(ctx, p, match, why));
  if (!products) return false;
  *why = WhyBroadcasts(ctx.graph, match);
  return why->empty();
}

// Whether `node` is a plain Tanh (an Activation of type tanh).
bool IsTanh(const Node& node) {
  if (node.op != kActivationOp) return false;
  absl::StatusOr<ActivationParams> params = ActivationParams::FromAttrs(node.attrs);
  return params.ok() && params->type == ActivationType::kTanh;
}

// The decomposed GELU around `f` when it is an Erf or a Tanh, or nothing
// (saying why).
absl::StatusOr<std::optional<Match>> FindMatch(const Context& ctx, NodeId f, Logger* logger) {
  const Node& node = ctx.graph.node(f);
  Match match;
  match.tanh_form = IsTanh(node);
  if (!match.tanh_form) {
    KILN_ASSIGN_OR_RETURN(std::optional<UnaryOp> unary, UnaryOpOf(kPass, node));
    if (unary != UnaryOp::kErf) return std::nullopt;
  }
  std::string why;
  KILN_ASSIGN_OR_RETURN(const bool found, MatchAround(ctx, f, match, &why));
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
  params.type = match.tanh_form ? ActivationType::kGeluTanh : ActivationType::kGelu;
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
