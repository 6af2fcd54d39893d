#include "optimizer/passes/pattern.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tactic_registry.h"

namespace kiln {

std::optional<float> ScalarConstant(const Graph& graph, TensorId t) {
  if (t < 0 || !graph.tensor(t).is_constant()) return std::nullopt;
  if (Volume(graph.tensor(t).constant->dims()) != 1) return std::nullopt;
  std::optional<std::vector<float>> values = FloatConstant(graph, t);
  if (!values.has_value()) return std::nullopt;
  return (*values)[0];
}

std::optional<std::vector<float>> FloatConstant(const Graph& graph, TensorId t) {
  if (t < 0 || !graph.tensor(t).is_constant()) return std::nullopt;
  const Weights& w = *graph.tensor(t).constant;
  const int64_t n = Volume(w.dims());
  std::vector<float> values(n);
  if (w.dtype() == DataType::kFloat32) {
    for (int64_t i = 0; i < n; ++i) values[i] = w.as<float>()[i];
  } else if (w.dtype() == DataType::kFloat16) {
    for (int64_t i = 0; i < n; ++i) values[i] = HalfToFloat(w.as<uint16_t>()[i]);
  } else {
    return std::nullopt;
  }
  return values;
}

bool HoldsValue(float value, float want, DataType dtype) {
  if (std::fabs(value - want) <= 1e-6f * std::fabs(want)) return true;
  return dtype == DataType::kFloat16 && value == HalfToFloat(FloatToHalf(want));
}

absl::StatusOr<std::optional<ElementWiseOp>> ElementWiseOpOf(absl::string_view pass,
                                                             const Node& node) {
  if (node.op != kElementWiseOp || node.inputs.size() != 2 || node.outputs.size() != 1) {
    return std::nullopt;
  }
  absl::StatusOr<ElementWiseParams> params = ElementWiseParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(
        absl::StrCat(pass, ": layer '", node.name, "' (ElementWise): ", params.status().message()));
  }
  return params->op;
}

absl::StatusOr<std::optional<UnaryOp>> UnaryOpOf(absl::string_view pass, const Node& node) {
  if (node.op != kUnaryOp || node.inputs.size() != 1 || node.outputs.size() != 1) {
    return std::nullopt;
  }
  absl::StatusOr<UnaryParams> params = UnaryParams::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(
        absl::StrCat(pass, ": layer '", node.name, "' (Unary): ", params.status().message()));
  }
  return params->op;
}

TensorId OtherOperand(const Node& node, TensorId t) {
  if (node.inputs.size() != 2 || node.inputs[0] == node.inputs[1]) return -1;
  if (node.inputs[0] == t) return node.inputs[1];
  if (node.inputs[1] == t) return node.inputs[0];
  return -1;
}

NodeId SoleReader(const Graph& graph, const Readers& readers, const std::vector<bool>& taken,
                  TensorId t, std::string* why) {
  const Tensor& tensor = graph.tensor(t);
  const std::string what = absl::StrCat("tensor '", tensor.desc.name, "' ");
  if (tensor.is_output) {
    *why = what + "is a network output";
  } else if (readers[t].size() != 1) {
    *why = absl::StrCat(what, "has ", DescribeReaders(graph, readers[t]));
  } else if (taken[readers[t][0]]) {
    *why = absl::StrCat("its reader '", graph.node(readers[t][0]).name,
                        "' is already part of another fused layer");
  } else {
    return readers[t][0];
  }
  return kNoNode;
}

std::string DescribeLayer(const Node& node) {
  return absl::StrCat("'", node.name, "' (", node.op, ")");
}

std::string DescribeOperand(const Graph& graph, TensorId t) {
  const Tensor& tensor = graph.tensor(t);
  return absl::StrCat("'", tensor.desc.name, "' (", DataTypeName(tensor.desc.dtype), " ",
                      DimsString(tensor.desc.dims),
                      tensor.is_constant() ? ", a constant)" : ", not a constant)");
}

TensorId AddNamedTensor(Graph& graph, const std::string& name, Tensor tensor) {
  std::string unique = name;
  for (int i = 2; graph.FindTensor(unique).has_value() || graph.FindNode(unique).has_value(); ++i) {
    unique = absl::StrCat(name, "_", i);
  }
  tensor.desc.name = unique;
  return graph.AddTensor(std::move(tensor));
}

bool BackendsRun(const std::vector<std::string>& backends, absl::string_view op,
                 absl::string_view pass, absl::string_view unfused, Logger* logger) {
  const TacticRegistry& registry = TacticRegistry::Global();
  bool found = false;
  if (backends.empty()) {
    for (const Tactic* tactic : registry.All()) found = found || tactic->op() == op;
  }
  for (const std::string& backend : backends) {
    found = found || !registry.Candidates(backend, op).empty();
  }
  if (!found) {
    LogVerbose(logger, pass, ": no ", op, " tactic is linked for backends [",
               absl::StrJoin(backends, ", "), "]; leaving ", unfused, " unfused");
  }
  return found;
}

bool SomeTacticRuns(const std::vector<std::string>& backends, const NodeContext& node,
                    absl::string_view pass, absl::string_view what, absl::string_view unfused,
                    Logger* logger) {
  const TacticRegistry& registry = TacticRegistry::Global();
  std::vector<const Tactic*> candidates;
  if (backends.empty()) {
    for (const Tactic* tactic : registry.All()) {
      if (tactic->op() == node.op) candidates.push_back(tactic);
    }
  }
  for (const std::string& backend : backends) {
    for (const Tactic* tactic : registry.Candidates(backend, node.op)) candidates.push_back(tactic);
  }
  for (const Tactic* tactic : candidates) {
    if (CheckLayouts(*tactic, node).ok() && tactic->Supports(node).ok()) return true;
  }
  LogVerbose(logger, pass, ": no tactic on backends [", absl::StrJoin(backends, ", "), "] runs ",
             what, "; leaving ", unfused, " unfused");
  return false;
}

bool DropRemoved(Graph& graph, const std::vector<bool>& removed) {
  std::vector<NodeId> keep;
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (!removed[n]) keep.push_back(n);
  }
  if (static_cast<int>(keep.size()) == graph.num_nodes()) return false;
  graph.Reorder(keep);
  return true;
}

}  // namespace kiln
