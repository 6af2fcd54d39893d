#include "optimizer/passes/fuse_layer_norm.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "ops/element_wise.h"
#include "ops/layer_normalization.h"
#include "ops/reduce.h"
#include "ops/unary.h"
#include "optimizer/passes/pattern.h"

namespace kiln {
namespace {

constexpr char kPass[] = "fuse-layer-norm";

using Context = MatchContext;

// One decomposed LayerNormalization, as far as it has been found.
struct Match {
  std::vector<NodeId> nodes;  // its layers, the first ReduceMean first
  TensorId x = -1;
  float epsilon = 0.0f;
  TensorId gamma = -1;   // -1 when absent
  TensorId beta = -1;    // -1 when absent
  TensorId output = -1;  // what the last layer found so far writes
};

// The params of `node` when it is a ReduceMean (a Reduce of op kMean).
absl::StatusOr<std::optional<ReduceParams>> ReduceMeanParams(const Node& node) {
  if (node.op != kReduceOp || node.inputs.size() != 1 || node.outputs.size() != 1) {
    return std::nullopt;
  }
  absl::StatusOr<ReduceParams> params = ReduceParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(
        absl::StrCat(kPass, ": layer '", node.name, "' (Reduce): ", params.status().message()));
  }
  if (params->op != ReduceOp::kMean) return std::nullopt;
  return params;
}

// Why ReduceMean `node` is not the mean over the last axis (kept) that a
// LayerNormalization takes; "" when it is.
std::string WhyNotOverLastAxis(const Graph& graph, const Node& node, const ReduceParams& params) {
  const TensorDesc& in = graph.tensor(node.inputs[0]).desc;
  const int64_t last = in.rank() - 1;
  if (params.axes.size() != 1 || (params.axes[0] != -1 && params.axes[0] != last)) {
    return absl::StrCat(DescribeLayer(node), " reduces axes [", absl::StrJoin(params.axes, ", "),
                        "] of '", in.name, "' (", DimsString(in.dims),
                        "); a LayerNormalization reduces the last axis alone (-1 or ", last, ")");
  }
  if (!params.keep_dims) {
    return absl::StrCat(DescribeLayer(node), " drops the reduced axis (keep_dims 0)");
  }
  if (!IsFloatType(in.dtype)) {
    return absl::StrCat(DescribeLayer(node), " computes on ", DataTypeName(in.dtype));
  }
  return "";
}

// d = x - m, where m is the output of the first ReduceMean; d, or -1 and why not.
absl::StatusOr<TensorId> MatchCentre(const Context& ctx, Match& match, std::string* why) {
  const TensorId m = ctx.graph.node(match.nodes.front()).outputs[0];
  const NodeId sub = SoleReader(ctx.graph, ctx.readers, ctx.taken, m, why);
  if (sub == kNoNode) return -1;
  const Node& node = ctx.graph.node(sub);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  if (op != ElementWiseOp::kSub || node.inputs[0] != match.x || node.inputs[1] != m) {
    *why = absl::StrCat("the mean's reader ", DescribeLayer(node), " is not Sub('",
                        ctx.graph.tensor(match.x).desc.name, "', '", ctx.graph.tensor(m).desc.name,
                        "')");
    return -1;
  }
  match.nodes.push_back(sub);
  return node.outputs[0];
}

// Whether `node` squares `d`: Pow(d, 2) or d * d.
absl::StatusOr<bool> IsSquareOf(const Graph& graph, const Node& node, TensorId d) {
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
  if (!op.has_value() || node.inputs[0] != d) return false;
  if (*op == ElementWiseOp::kProd) return node.inputs[1] == d;
  return *op == ElementWiseOp::kPow && ScalarConstant(graph, node.inputs[1]) == 2.0f;
}

// d's two readers: its square, whose output this returns, and the Div of d
// (set in *div); -1 and why not.
absl::StatusOr<TensorId> MatchSquare(const Context& ctx, TensorId d, Match& match, NodeId* div,
                                     std::string* why) {
  const Graph& graph = ctx.graph;
  const std::string what = absl::StrCat("tensor '", graph.tensor(d).desc.name, "' ");
  if (graph.tensor(d).is_output) {
    *why = what + "is a network output";
    return -1;
  }
  NodeId square = kNoNode;
  for (NodeId r : ctx.readers[d]) {
    const Node& node = graph.node(r);
    KILN_ASSIGN_OR_RETURN(bool is_square, IsSquareOf(graph, node, d));
    KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, node));
    if (is_square && square == kNoNode && !ctx.taken[r]) {
      square = r;
    } else if (op == ElementWiseOp::kDiv && node.inputs[0] == d && *div == kNoNode &&
               !ctx.taken[r]) {
      *div = r;
    }
  }
  if (ctx.readers[d].size() != 2 || square == kNoNode || *div == kNoNode) {
    *why = absl::StrCat(what, "has ", DescribeReaders(graph, ctx.readers[d]),
                        "; expected 2: its square (Pow(d, 2) or d * d) and a Div of it");
    return -1;
  }
  const TensorId sq = graph.node(square).outputs[0];
  if (graph.tensor(sq).desc.dims != graph.tensor(d).desc.dims) {
    *why = absl::StrCat("the exponent of ", DescribeLayer(graph.node(square)),
                        " broadcasts it to dims ", DimsString(graph.tensor(sq).desc.dims));
    return -1;
  }
  match.nodes.push_back(square);
  return sq;
}

// v = ReduceMean(sq) over the last axis; v, or -1 and why not.
absl::StatusOr<TensorId> MatchVariance(const Context& ctx, TensorId sq, Match& match,
                                       std::string* why) {
  const NodeId var = SoleReader(ctx.graph, ctx.readers, ctx.taken, sq, why);
  if (var == kNoNode) return -1;
  const Node& node = ctx.graph.node(var);
  KILN_ASSIGN_OR_RETURN(std::optional<ReduceParams> params, ReduceMeanParams(node));
  if (!params.has_value()) {
    *why = absl::StrCat("the square's reader ", DescribeLayer(node), " is not a ReduceMean");
    return -1;
  }
  *why = WhyNotOverLastAxis(ctx.graph, node, *params);
  if (!why->empty()) return -1;
  match.nodes.push_back(var);
  return node.outputs[0];
}

// s = Sqrt(v + eps), eps a one-element constant >= 0 (either operand of the
// Add); s, or -1 and why not.
absl::StatusOr<TensorId> MatchStdDev(const Context& ctx, TensorId v, Match& match,
                                     std::string* why) {
  const Graph& graph = ctx.graph;
  const NodeId add = SoleReader(graph, ctx.readers, ctx.taken, v, why);
  if (add == kNoNode) return -1;
  const Node& add_node = graph.node(add);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, add_node));
  const TensorId eps = OtherOperand(add_node, v);
  if (op != ElementWiseOp::kSum || eps < 0) {
    *why = absl::StrCat("the variance's reader ", DescribeLayer(add_node),
                        " is not an Add of it and an epsilon");
    return -1;
  }
  const std::optional<float> epsilon = ScalarConstant(graph, eps);
  if (!epsilon.has_value() ||
      graph.tensor(add_node.outputs[0]).desc.dims != graph.tensor(v).desc.dims) {
    *why =
        absl::StrCat("the epsilon ", DescribeOperand(graph, eps), " of ", DescribeLayer(add_node),
                     " is not a one-element constant of rank <= ", graph.tensor(v).desc.rank());
    return -1;
  }
  if (!(*epsilon >= 0.0f) || !std::isfinite(*epsilon)) {
    *why = absl::StrCat("the epsilon of ", DescribeLayer(add_node), " is ", *epsilon,
                        "; a LayerNormalization takes a finite epsilon >= 0");
    return -1;
  }
  const NodeId sqrt = SoleReader(graph, ctx.readers, ctx.taken, add_node.outputs[0], why);
  if (sqrt == kNoNode) return -1;
  KILN_ASSIGN_OR_RETURN(std::optional<UnaryOp> unary, UnaryOpOf(kPass, graph.node(sqrt)));
  if (unary != UnaryOp::kSqrt) {
    *why =
        absl::StrCat("the reader of v + eps ", DescribeLayer(graph.node(sqrt)), " is not a Sqrt");
    return -1;
  }
  match.epsilon = *epsilon;
  match.nodes.push_back(add);
  match.nodes.push_back(sqrt);
  return graph.node(sqrt).outputs[0];
}

// Whether `t` is a float constant of C elements along x's last axis (dims
// [..., 1, C] of rank <= x's), which broadcasts along the last axis only.
bool IsLastAxisConstant(const Graph& graph, TensorId t, const TensorDesc& x) {
  if (t < 0 || !graph.tensor(t).is_constant() || !IsFloatType(graph.tensor(t).desc.dtype)) {
    return false;
  }
  const Dims& dims = graph.tensor(t).desc.dims;
  if (dims.empty() || dims.size() > x.dims.size() || dims.back() != x.dims.back()) return false;
  return Volume(dims) == dims.back();
}

// Absorbs the layer after the match when it is `op` (Mul or Add) of the
// match's output and a constant along the last axis, setting `*param`; says
// why not when it is that op with another operand.
absl::Status TakeAffine(const Context& ctx, ElementWiseOp op, Match& match, TensorId* param,
                        Logger* logger) {
  std::string why;
  const NodeId next = SoleReader(ctx.graph, ctx.readers, ctx.taken, match.output, &why);
  if (next == kNoNode) return absl::OkStatus();
  const Node& node = ctx.graph.node(next);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> got, ElementWiseOpOf(kPass, node));
  if (got != op) return absl::OkStatus();
  const TensorId other = OtherOperand(node, match.output);
  const TensorDesc& x = ctx.graph.tensor(match.x).desc;
  if (!IsLastAxisConstant(ctx.graph, other, x)) {
    LogVerbose(logger, kPass, ": the LayerNormalization from '",
               ctx.graph.node(match.nodes.front()).name, "' does not take ", DescribeLayer(node),
               ": its other operand ",
               other < 0 ? std::string("is the same tensor") : DescribeOperand(ctx.graph, other),
               " is not a float constant of ", x.dims.back(), " elements along the last axis");
    return absl::OkStatus();
  }
  *param = other;
  match.nodes.push_back(next);
  match.output = node.outputs[0];
  return absl::OkStatus();
}

// The layers from the first ReduceMean of `match` to the Div by the standard
// deviation; false and why not.
absl::StatusOr<bool> MatchCore(const Context& ctx, const ReduceParams& params, Match& match,
                               std::string* why) {
  const Graph& graph = ctx.graph;
  *why = WhyNotOverLastAxis(graph, graph.node(match.nodes.front()), params);
  if (!why->empty()) return false;
  KILN_ASSIGN_OR_RETURN(const TensorId d, MatchCentre(ctx, match, why));
  if (d < 0) return false;
  NodeId div = kNoNode;
  KILN_ASSIGN_OR_RETURN(const TensorId sq, MatchSquare(ctx, d, match, &div, why));
  if (sq < 0) return false;
  KILN_ASSIGN_OR_RETURN(const TensorId v, MatchVariance(ctx, sq, match, why));
  if (v < 0) return false;
  KILN_ASSIGN_OR_RETURN(const TensorId s, MatchStdDev(ctx, v, match, why));
  if (s < 0) return false;
  const NodeId reader = SoleReader(graph, ctx.readers, ctx.taken, s, why);
  if (reader == kNoNode) return false;
  if (reader != div || graph.node(div).inputs[1] != s) {
    *why = absl::StrCat("the square root's reader ", DescribeLayer(graph.node(reader)),
                        " is not the Div of '", graph.tensor(d).desc.name, "' by it");
    return false;
  }
  match.nodes.push_back(div);
  match.output = graph.node(div).outputs[0];
  return true;
}

// The decomposed LayerNormalization that starts at `first` when it is a
// ReduceMean, or nothing (saying why).
absl::StatusOr<std::optional<Match>> FindMatch(const Context& ctx, NodeId first, Logger* logger) {
  const Node& node = ctx.graph.node(first);
  KILN_ASSIGN_OR_RETURN(std::optional<ReduceParams> params, ReduceMeanParams(node));
  if (!params.has_value()) return std::nullopt;
  Match match;
  match.nodes = {first};
  match.x = node.inputs[0];
  std::string why;
  KILN_ASSIGN_OR_RETURN(bool core, MatchCore(ctx, *params, match, &why));
  if (!core) {
    LogVerbose(logger, kPass, ": not fusing from ", DescribeLayer(node), ": ", why);
    return std::nullopt;
  }
  KILN_RETURN_IF_ERROR(TakeAffine(ctx, ElementWiseOp::kProd, match, &match.gamma, logger));
  KILN_RETURN_IF_ERROR(TakeAffine(ctx, ElementWiseOp::kSum, match, &match.beta, logger));
  return match;
}

// `dims` filled with `value`, as `dtype` (fp32 or fp16).
Weights Filled(DataType dtype, const Dims& dims, float value) {
  Weights w(dtype, dims);
  for (int64_t i = 0; i < Volume(dims); ++i) {
    if (dtype == DataType::kFloat16) {
      w.mutable_as<uint16_t>()[i] = FloatToHalf(value);
    } else {
      w.mutable_as<float>()[i] = value;
    }
  }
  return w;
}

// gamma or beta as the LayerNormalization takes it, dims {C}: `param` itself,
// its values under those dims, or `fill` when there is none.
TensorId LastAxisParam(Graph& graph, TensorId param, const TensorDesc& x, float fill,
                       const std::string& name) {
  const Dims dims = {x.dims.back()};
  if (param >= 0 && graph.tensor(param).desc.dims == dims) return param;
  Weights w;
  if (param >= 0) {
    const Weights& from = *graph.tensor(param).constant;
    w = Weights::FromBytes(from.dtype(), dims, from.data(), from.bytes());
  } else {
    w = Filled(x.dtype, dims, fill);
  }
  Tensor t;
  t.desc = TensorDesc{"", w.dtype(), w.dims(), TensorFormat::kLinear};
  t.constant = std::make_shared<const Weights>(std::move(w));
  return AddNamedTensor(graph, name, std::move(t));
}

// Rewrites the first layer of `match` into the LayerNormalization; the others
// are left for the caller to drop.
void Fuse(Graph& graph, const Match& match) {
  const NodeId first = match.nodes.front();
  // Copies: AddTensor invalidates references into the graph.
  const TensorDesc x = graph.tensor(match.x).desc;
  const std::string name = graph.node(first).name;
  std::vector<TensorId> inputs = {match.x,
                                  LastAxisParam(graph, match.gamma, x, 1.0f, name + ".scale")};
  // An omitted B is zero: no constant of zeros to store.
  if (match.beta >= 0) inputs.push_back(LastAxisParam(graph, match.beta, x, 0.0f, name + ".bias"));
  Tensor stat;
  stat.desc = TensorDesc{"", DataType::kFloat32, x.dims, TensorFormat::kLinear};
  stat.desc.dims.back() = 1;
  const TensorId mean = AddNamedTensor(graph, name + ".mean", stat);
  const TensorId inv_std_dev = AddNamedTensor(graph, name + ".inv_std_dev", stat);
  LayerNormalizationParams params;
  params.axis = -1;
  params.epsilon = match.epsilon;
  Node& node = graph.node(first);
  node.op = kLayerNormalizationOp;
  node.attrs = params.ToAttrs();
  node.inputs = std::move(inputs);
  node.outputs = {match.output, mean, inv_std_dev};
  for (TensorId t : node.outputs) graph.tensor(t).producer = first;
}

}  // namespace

absl::StatusOr<bool> FuseLayerNorm::Run(Graph& graph, Logger* logger) {
  if (!BackendsRun(backends_, kLayerNormalizationOp, kPass, "decomposed layer norms", logger)) {
    return false;
  }
  // Topological order: a match's first ReduceMean (nodes[0], the layer it
  // was found at) comes before the rest of it and becomes the fused layer.
  return RewriteMatches(
      graph, [&](const Context& ctx, NodeId n) { return FindMatch(ctx, n, logger); },
      [&](const Match& match, std::vector<bool>& taken, std::vector<bool>& removed) {
        for (NodeId m : match.nodes) taken[m] = removed[m] = true;
        removed[match.nodes[0]] = false;
        Fuse(graph, match);
      });
}

}  // namespace kiln
