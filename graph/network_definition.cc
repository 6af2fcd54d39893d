#include "graph/network_definition.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {

absl::StatusOr<std::vector<TensorDesc>> InferNode(const Graph& graph, const Node& node) {
  std::vector<TensorDesc> descs;
  std::vector<const Weights*> constants;
  for (TensorId t : node.inputs) {
    if (t < 0) {
      descs.emplace_back();
      constants.push_back(nullptr);
    } else {
      descs.push_back(graph.tensor(t).desc);
      constants.push_back(graph.tensor(t).constant.get());
    }
  }
  InferenceContext ctx{node.name, node.op, node.attrs, descs, constants};
  return OpRegistry::Global().Infer(ctx);
}

absl::Status NetworkDefinition::CheckNewName(absl::string_view what, absl::string_view name) const {
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " needs a non-empty name"));
  }
  if (graph_.FindTensor(name).has_value() || graph_.FindNode(name).has_value()) {
    return absl::AlreadyExistsError(absl::StrCat(
        what, " '", name, "': the name is already used in this network; names must be unique"));
  }
  return absl::OkStatus();
}

absl::Status NetworkDefinition::CheckTensor(absl::string_view layer, TensorId tensor) const {
  if (tensor < 0 || tensor >= graph_.num_tensors()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "layer '", layer, "': tensor id ", tensor, " does not belong to this network (it has ",
        graph_.num_tensors(), " tensors)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TensorId> NetworkDefinition::AddInput(absl::string_view name, DataType dtype,
                                                     Dims dims, bool batched) {
  KILN_RETURN_IF_ERROR(CheckNewName("input", name));
  if ((batched && dims.empty()) || !DimsValid(dims) || Volume(dims) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input '", name, "': dims ", DimsString(dims), " are invalid; ",
        batched ? "a batched input needs at least the batch dimension, " : "",
        "all sizes must be positive"));
  }
  Tensor t;
  t.batched = batched;
  t.desc = TensorDesc{std::string(name), dtype, std::move(dims), TensorFormat::kLinear};
  const TensorId id = graph_.AddTensor(std::move(t));
  graph_.MarkInput(id);
  return id;
}

absl::StatusOr<TensorId> NetworkDefinition::AddConstant(absl::string_view name, Weights weights) {
  KILN_RETURN_IF_ERROR(CheckNewName("constant", name));
  if (!DimsValid(weights.dims())) {
    return absl::InvalidArgumentError(absl::StrCat("constant '", name, "': dims ",
                                                   DimsString(weights.dims()), " are invalid"));
  }
  Tensor t;
  t.desc = TensorDesc{std::string(name), weights.dtype(), weights.dims(), TensorFormat::kLinear};
  t.constant = std::make_shared<const Weights>(std::move(weights));
  return graph_.AddTensor(std::move(t));
}

absl::StatusOr<std::vector<TensorId>> NetworkDefinition::AddLayer(absl::string_view name,
                                                                  absl::string_view op,
                                                                  std::vector<TensorId> inputs,
                                                                  AttrMap attrs) {
  KILN_RETURN_IF_ERROR(CheckNewName("layer", name));
  for (TensorId t : inputs) {
    if (t != -1) KILN_RETURN_IF_ERROR(CheckTensor(name, t));
  }
  Node node{std::string(name), std::string(op), std::move(attrs), std::move(inputs), {}};
  KILN_ASSIGN_OR_RETURN(std::vector<TensorDesc> outs, InferNode(graph_, node));
  std::vector<TensorId> ids;
  for (size_t i = 0; i < outs.size(); ++i) {
    Tensor t;
    t.desc = std::move(outs[i]);
    t.desc.name = outs.size() == 1 ? std::string(name) : absl::StrCat(name, ":", i);
    ids.push_back(graph_.AddTensor(std::move(t)));
  }
  node.outputs = ids;
  graph_.AddNode(std::move(node));
  return ids;
}

absl::StatusOr<TensorId> NetworkDefinition::AddLayer1(absl::string_view name, absl::string_view op,
                                                      std::vector<TensorId> inputs,
                                                      AttrMap attrs) {
  KILN_ASSIGN_OR_RETURN(std::vector<TensorId> outs,
                        AddLayer(name, op, std::move(inputs), std::move(attrs)));
  if (outs.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("layer '", name, "' (", op, ") has ",
                                                   outs.size(), " outputs; use AddLayer"));
  }
  return outs[0];
}

absl::Status NetworkDefinition::MarkOutput(TensorId tensor) {
  KILN_RETURN_IF_ERROR(CheckTensor("MarkOutput", tensor));
  const Tensor& t = graph_.tensor(tensor);
  if (t.is_input || t.is_constant()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", t.desc.name,
        "' is a network input or constant and cannot be an output; add an Identity layer"));
  }
  graph_.MarkOutput(tensor);
  return absl::OkStatus();
}

absl::Status NetworkDefinition::RenameTensor(TensorId tensor, absl::string_view name) {
  KILN_RETURN_IF_ERROR(CheckTensor("RenameTensor", tensor));
  Tensor& t = graph_.tensor(tensor);
  if (t.is_input || t.is_constant()) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", t.desc.name,
                                                   "' is a network input or constant; only "
                                                   "layer outputs can be renamed"));
  }
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", t.desc.name, "' needs a non-empty name"));
  }
  if (std::optional<TensorId> other = graph_.FindTensor(name); other && *other != tensor) {
    return absl::AlreadyExistsError(absl::StrCat("cannot rename tensor '", t.desc.name, "' to '",
                                                 name, "': another tensor has that name"));
  }
  t.desc.name = std::string(name);
  return absl::OkStatus();
}

absl::StatusOr<TensorId> NetworkDefinition::FindTensor(absl::string_view name) const {
  auto id = graph_.FindTensor(name);
  if (!id) return absl::NotFoundError(absl::StrCat("no tensor named '", name, "' in the network"));
  return *id;
}

absl::Status ReinferShapes(Graph& graph) {
  for (int n = 0; n < graph.num_nodes(); ++n) {
    const Node& node = graph.node(n);
    KILN_ASSIGN_OR_RETURN(std::vector<TensorDesc> outs, InferNode(graph, node));
    for (size_t i = 0; i < outs.size() && i < node.outputs.size(); ++i) {
      TensorDesc& d = graph.tensor(node.outputs[i]).desc;
      d.dtype = outs[i].dtype;
      d.dims = outs[i].dims;
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln
