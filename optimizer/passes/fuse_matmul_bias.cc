#include "optimizer/passes/fuse_matmul_bias.h"

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/fully_connected.h"
#include "ops/matmul.h"
#include "optimizer/passes/pattern.h"

namespace kiln {
namespace {

constexpr char kPass[] = "fuse-matmul-bias";

// W [K, N] as [N, K] (or W unchanged when already [N, K]), any element size.
Weights AsOutputsByInputs(const Weights& w, bool already) {
  const int64_t rows = w.dims()[0], cols = w.dims()[1];
  if (already) return w;
  Weights t(w.dtype(), {cols, rows});
  const size_t elem = DataTypeSize(w.dtype());
  const auto* src = static_cast<const uint8_t*>(w.data());
  auto* dst = static_cast<uint8_t*>(t.mutable_data());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      std::memcpy(dst + (c * rows + r) * elem, src + (r * cols + c) * elem, elem);
    }
  }
  return t;
}

// Why `bias` cannot be the bias of n outputs of type `dtype`; "" when it can.
std::string WhyNotBias(const Graph& graph, TensorId bias, int64_t n, DataType dtype,
                       int64_t out_rank) {
  const Tensor& t = graph.tensor(bias);
  if (!t.is_constant()) return DescribeOperand(graph, bias) + " is not a constant";
  const Dims& dims = t.desc.dims;
  if (t.desc.dtype != dtype) {
    return absl::StrCat(DescribeOperand(graph, bias), " is not of the weights' type ",
                        DataTypeName(dtype));
  }
  bool vector = !dims.empty() && dims.back() == n && static_cast<int64_t>(dims.size()) <= out_rank;
  for (size_t i = 0; vector && i + 1 < dims.size(); ++i) vector = dims[i] == 1;
  if (!vector) {
    return absl::StrCat(DescribeOperand(graph, bias), " does not hold ", n,
                        " values along the last axis");
  }
  return "";
}

// The rewrite of one MatMul + Add, or why there is none.
struct Match {
  NodeId matmul = kNoNode, add = kNoNode;
  TensorId x = -1, w = -1, bias = -1, output = -1;
  bool transpose_b = false;
};

absl::StatusOr<std::optional<Match>> FindMatch(const MatchContext& ctx, NodeId n, Logger* logger) {
  const Graph& graph = ctx.graph;
  const Node& node = graph.node(n);
  if (node.op != kMatMulOp || node.inputs.size() != 2 || node.outputs.size() != 1) {
    return std::nullopt;
  }
  auto skip = [&](const std::string& why) -> absl::StatusOr<std::optional<Match>> {
    LogVerbose(logger, kPass, ": not fusing ", DescribeLayer(node), ": ", why);
    return std::nullopt;
  };
  absl::StatusOr<MatMulParams> params = MatMulParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat(kPass, ": ", DescribeLayer(node), ": ",
                                            params.status().message()));
  }
  if (params->transpose_a) return skip("A is transposed");
  if (params->activation.has_value()) return skip("it has a fused activation, which comes before an Add");
  Match m;
  m.matmul = n;
  m.x = node.inputs[0];
  m.w = node.inputs[1];
  m.transpose_b = params->transpose_b;
  const Tensor& x = graph.tensor(m.x);
  const Tensor& w = graph.tensor(m.w);
  if (x.is_constant() || x.desc.rank() < 2) return skip("A is a constant or of rank < 2");
  if (!w.is_constant() || w.desc.rank() != 2 || !IsFloatType(w.desc.dtype)) {
    return skip(DescribeOperand(graph, m.w) + " is not a constant float matrix");
  }
  if (x.desc.dtype != w.desc.dtype) return skip("A and B differ in type");
  std::string why;
  const NodeId add = SoleReader(graph, ctx.readers, ctx.taken, node.outputs[0], &why);
  if (add == kNoNode) return skip(why);
  KILN_ASSIGN_OR_RETURN(std::optional<ElementWiseOp> op, ElementWiseOpOf(kPass, graph.node(add)));
  m.bias = OtherOperand(graph.node(add), node.outputs[0]);
  if (op != ElementWiseOp::kSum || m.bias < 0) {
    return skip(absl::StrCat("its reader ", DescribeLayer(graph.node(add)),
                             " is not an Add of it and another tensor"));
  }
  const int64_t n_out = m.transpose_b ? w.desc.dims[0] : w.desc.dims[1];
  const TensorDesc& y = graph.tensor(node.outputs[0]).desc;
  why = WhyNotBias(graph, m.bias, n_out, w.desc.dtype, y.rank());
  if (!why.empty()) return skip(why);
  m.add = add;
  m.output = graph.node(add).outputs[0];
  if (graph.tensor(m.output).desc.dims != y.dims) return skip("the Add broadcasts beyond the product");
  return m;
}

// Rewrites the MatMul of `m` into the FullyConnected; the Add is left for
// the caller to drop. The MatMul's place is legal: x, W and the bias exist
// before it, and the Add's readers come after the Add.
void Fuse(Graph& graph, const Match& m) {
  const std::string name = graph.node(m.matmul).name;
  const Tensor& w = graph.tensor(m.w);
  const int64_t n_out = m.transpose_b ? w.desc.dims[0] : w.desc.dims[1];
  Tensor weight;
  weight.constant = std::make_shared<const Weights>(AsOutputsByInputs(*w.constant, m.transpose_b));
  weight.desc = {name + ".weight", w.desc.dtype, weight.constant->dims(), TensorFormat::kLinear};
  const Weights& b = *graph.tensor(m.bias).constant;
  Tensor bias;
  bias.constant = std::make_shared<const Weights>(Weights::FromBytes(b.dtype(), {n_out}, b.data(), b.bytes()));
  bias.desc = {name + ".bias", b.dtype(), {n_out}, TensorFormat::kLinear};
  // The names are copied first: the Tensor argument may be moved from before
  // a reference to its name is read.
  const std::string weight_name = weight.desc.name, bias_name = bias.desc.name;
  const TensorId weight_id = AddNamedTensor(graph, weight_name, std::move(weight));
  const TensorId bias_id = AddNamedTensor(graph, bias_name, std::move(bias));
  FullyConnectedParams params;
  params.axis = graph.tensor(m.x).desc.rank() - 1;
  Node& node = graph.node(m.matmul);
  node.op = kFullyConnectedOp;
  node.attrs = params.ToAttrs();
  node.inputs = {m.x, weight_id, bias_id};
  node.outputs = {m.output};
  graph.tensor(m.output).producer = m.matmul;
}

}  // namespace

absl::StatusOr<bool> FuseMatMulBias::Run(Graph& graph, Logger* logger) {
  if (!BackendsRun(backends_, kFullyConnectedOp, kPass, "MatMul + bias Adds", logger)) return false;
  return RewriteMatches(
      graph, [&](const MatchContext& ctx, NodeId n) { return FindMatch(ctx, n, logger); },
      [&](const Match& match, std::vector<bool>& taken, std::vector<bool>& removed) {
        taken[match.matmul] = taken[match.add] = true;
        removed[match.add] = true;
        Fuse(graph, match);
      });
}

}  // namespace kiln
