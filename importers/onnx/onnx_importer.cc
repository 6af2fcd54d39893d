#include "importers/onnx/onnx_importer.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/identity.h"

namespace kiln {
namespace {

using onnx_import::ImportContext;
using onnx_import::ImportState;
using onnx_import::ProbeRecord;

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

absl::StatusOr<int> DefaultOpset(const onnx::ModelProto& model) {
  int opset = -1;
  for (const auto& entry : model.opset_import()) {
    if (IsDefaultDomain(entry.domain())) opset = static_cast<int>(entry.version());
  }
  if (opset < 0) {
    return absl::InvalidArgumentError(
        "the model imports no opset of the default ONNX domain (opset_import is empty)");
  }
  if (opset < kMinOnnxOpset || opset > kMaxOnnxOpset) {
    return absl::UnimplementedError(absl::StrCat("the model uses opset ", opset,
                                                 " of the default domain; kiln imports opsets ",
                                                 kMinOnnxOpset, " to ", kMaxOnnxOpset));
  }
  return opset;
}

// Adds graph input `info` with the dims rules in onnx_importer.h.
absl::Status AddGraphInput(const onnx::ValueInfoProto& info, const OnnxImportOptions& options,
                           ImportState& state) {
  const std::string& name = info.name();
  if (!info.type().has_tensor_type()) {
    return absl::UnimplementedError(absl::StrCat(
        "graph input '", name, "' is not a tensor (sequence, map and optional inputs are not "
        "supported by kiln)"));
  }
  const onnx::TypeProto::Tensor& type = info.type().tensor_type();
  absl::StatusOr<DataType> dtype = onnx_import::OnnxElemTypeToKiln(type.elem_type());
  if (!dtype.ok()) {
    return absl::UnimplementedError(
        absl::StrCat("graph input '", name, "': ", dtype.status().message()));
  }
  auto given = options.input_shapes.find(name);
  if (!type.has_shape() && given == options.input_shapes.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "graph input '", name, "' has no shape in the model; pass it as --shapes=", name,
        ":AxBxC (OnnxImportOptions::input_shapes)"));
  }
  Dims dims;
  bool batched = false;
  std::vector<std::string> symbolic;
  if (type.has_shape()) {
    for (int d = 0; d < type.shape().dim_size(); ++d) {
      const auto& dim = type.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() > 0) {
        dims.push_back(dim.dim_value());
        continue;
      }
      const std::string label =
          dim.has_dim_param() && !dim.dim_param().empty() ? dim.dim_param() : "?";
      if (d == 0) {
        batched = true;
        dims.push_back(options.batch);
      } else {
        symbolic.push_back(absl::StrCat("dim ", d, " ('", label, "')"));
        dims.push_back(-1);
      }
    }
  }
  if (given != options.input_shapes.end()) {
    if (type.has_shape() && static_cast<int>(given->second.size()) != type.shape().dim_size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graph input '", name, "': the given shape ", DimsString(given->second), " has rank ",
          given->second.size(), "; the model's input has rank ", type.shape().dim_size()));
    }
    for (size_t d = 0; d < given->second.size() && d < dims.size(); ++d) {
      if (dims[d] > 0 && !(d == 0 && batched) && dims[d] != given->second[d]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "graph input '", name, "': the given shape ", DimsString(given->second),
            " disagrees with the model at dim ", d, " (", dims[d], ")"));
      }
    }
    dims = given->second;
  } else if (!symbolic.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "graph input '", name, "' has symbolic ", absl::StrJoin(symbolic, ", "),
        "; pass its shape as --shapes=", name, ":AxBxC (OnnxImportOptions::input_shapes)"));
  }
  absl::StatusOr<TensorId> id = state.network.AddInput(state.UniqueName(name), *dtype, dims, batched);
  if (!id.ok()) return id.status();
  state.tensors[name] = *id;
  state.onnx_names.emplace(*id, name);
  state.graph_inputs.push_back(*id);
  state.any_batched = state.any_batched || batched;
  return absl::OkStatus();
}

// Orders the nodes so each comes after the producers of its inputs (ONNX
// requires that already; sorting forgives exporters that do not) and
// reports inputs nothing produces and cycles, naming the node.
absl::StatusOr<std::vector<int>> SortNodes(const onnx::GraphProto& graph,
                                           const std::set<std::string>& available) {
  const int n = graph.node_size();
  std::map<std::string, int> producer;
  for (int i = 0; i < n; ++i) {
    for (const std::string& out : graph.node(i).output()) {
      if (!out.empty()) producer[out] = i;
    }
  }
  auto node_name = [&](int i) {
    const onnx::NodeProto& node = graph.node(i);
    return absl::StrCat("node '", node.name().empty() ? (node.output_size() ? node.output(0) : "")
                                                      : node.name(),
                        "' (", node.op_type(), ")");
  };
  for (int i = 0; i < n; ++i) {
    for (const std::string& in : graph.node(i).input()) {
      if (in.empty() || available.count(in) || producer.count(in)) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          node_name(i), ": input '", in,
          "' is not a graph input, an initializer or any node's output (a dangling input or a "
          "missing initializer)"));
    }
  }
  // Depth-first post-order; state 1 = on the stack, 2 = done.
  std::vector<int> order, mark(n, 0);
  std::vector<std::pair<int, int>> stack;
  for (int root = 0; root < n; ++root) {
    if (mark[root]) continue;
    stack.push_back({root, 0});
    mark[root] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const onnx::NodeProto& proto = graph.node(node);
      if (next < proto.input_size()) {
        const std::string& in = proto.input(next++);
        if (in.empty() || available.count(in)) continue;
        const int dep = producer.at(in);
        if (mark[dep] == 1) {
          std::vector<std::string> cycle;
          bool in_cycle = false;
          for (const auto& [s, unused] : stack) {
            if (s == dep) in_cycle = true;
            if (in_cycle) cycle.push_back(node_name(s));
          }
          return absl::InvalidArgumentError(absl::StrCat(
              "the graph has a cycle: ", absl::StrJoin(cycle, " -> "), " -> ", node_name(dep),
              " (", node_name(node), " reads '", in, "')"));
        }
        if (mark[dep] == 0) {
          mark[dep] = 1;
          stack.push_back({dep, 0});
        }
        continue;
      }
      mark[node] = 2;
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

absl::Status ConvertNode(const onnx::NodeProto& node, int opset, ImportState& state) {
  ImportContext ctx(state, node, opset);
  if (!IsDefaultDomain(node.domain())) {
    return ctx.Unsupported("domain '", node.domain(), "' is not supported; kiln imports the "
                           "default ONNX domain (ai.onnx) only");
  }
  const onnx_import::OnnxConverter* convert =
      onnx_import::ConverterRegistry::Global().Find(node.op_type());
  if (convert == nullptr) {
    return ctx.Unsupported("op ", node.op_type(), " is not supported by kiln's ONNX importer. "
                           "Supported ops: ",
                           absl::StrJoin(onnx_import::ConverterRegistry::Global().Names(), ", "));
  }
  KILN_RETURN_IF_ERROR((*convert)(ctx));
  if (ctx.read_varying() && !ctx.dynamic_handled()) {
    // A value computed from the input dims went into a layer's attributes.
    for (int i = 0; i < node.output_size(); ++i) {
      auto out = state.tensors.find(node.output(i));
      if (out != state.tensors.end() && !ctx.IsConstant(out->second)) {
        ctx.PinShapes("reads a value computed from the input dims as an attribute");
        break;
      }
    }
  }
  for (int i = 0; i < node.output_size(); ++i) {
    if (!node.output(i).empty() && state.tensors.count(node.output(i)) == 0) {
      return ctx.Unsupported("output ", i, " ('", node.output(i),
                             "') is not produced by kiln's converter for these attributes");
    }
  }
  return absl::OkStatus();
}

absl::Status MarkGraphOutput(const onnx::ValueInfoProto& info, ImportState& state,
                             std::set<TensorId>& marked) {
  auto it = state.tensors.find(info.name());
  if (it == state.tensors.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("graph output '", info.name(), "' is produced by no node"));
  }
  TensorId t = it->second;
  const Tensor& tensor = state.network.graph().tensor(t);
  // Outputs keep their ONNX names. A layer output named otherwise (output i
  // of a multi-output layer is "<layer>:<i>") is renamed when the name is
  // free; inputs, constants and a tensor already marked (two graph outputs
  // naming it) get an Identity copy.
  const bool own = !tensor.is_input && !tensor.is_constant() && marked.count(t) == 0;
  if (own && tensor.desc.name != info.name() &&
      !state.network.graph().FindTensor(info.name()).has_value()) {
    KILN_RETURN_IF_ERROR(state.network.RenameTensor(t, info.name()));
  }
  if (!own || state.network.graph().tensor(t).desc.name != info.name()) {
    absl::StatusOr<TensorId> copy =
        AddIdentity(state.network, state.UniqueName(info.name()), t);
    if (!copy.ok()) return copy.status();
    t = *copy;
  }
  marked.insert(t);
  return state.network.MarkOutput(t);
}

// One import; with `probes`, at dims the probes vary from (dynamic shapes);
// `record`, when given, receives what this import saw of every ONNX value.
absl::StatusOr<NetworkDefinition> ImportAt(const onnx::ModelProto& model,
                                           const std::string& model_dir,
                                           const OnnxImportOptions& options,
                                           std::vector<ProbeRecord> probes, ProbeRecord* record) {
  KILN_ASSIGN_OR_RETURN(const int opset, DefaultOpset(model));
  if (options.batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch must be >= 1; got ", options.batch));
  }
  const onnx::GraphProto& graph = model.graph();
  ImportState state;
  state.model_dir = model_dir;
  state.batch = options.batch;
  state.probes = std::move(probes);

  for (const auto* infos : {&graph.input(), &graph.output(), &graph.value_info()}) {
    for (const onnx::ValueInfoProto& info : *infos) {
      if (info.type().has_tensor_type()) {
        state.onnx_elem_types[info.name()] = info.type().tensor_type().elem_type();
      }
    }
  }
  for (const onnx::TensorProto& init : graph.initializer()) {
    state.onnx_elem_types[init.name()] = init.data_type();
  }
  std::set<std::string> available;
  if (graph.sparse_initializer_size() > 0) {
    return absl::UnimplementedError(absl::StrCat("sparse initializer '",
                                                 graph.sparse_initializer(0).values().name(),
                                                 "' is not supported"));
  }
  for (const onnx::TensorProto& init : graph.initializer()) {
    absl::StatusOr<Weights> w = onnx_import::TensorProtoToWeights(init, model_dir);
    if (!w.ok()) {
      return absl::Status(w.status().code(),
                          absl::StrCat("initializer: ", w.status().message()));
    }
    KILN_ASSIGN_OR_RETURN(TensorId id,
                          state.network.AddConstant(state.UniqueName(init.name()), *std::move(w)));
    state.tensors[init.name()] = id;
    available.insert(init.name());
  }
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (available.count(input.name())) continue;  // an initializer (IR < 4 lists them as inputs)
    auto fixed = options.constant_inputs.find(input.name());
    if (fixed != options.constant_inputs.end()) {
      KILN_ASSIGN_OR_RETURN(TensorId id, state.network.AddConstant(state.UniqueName(input.name()),
                                                                   fixed->second));
      state.tensors[input.name()] = id;
      available.insert(input.name());
      continue;
    }
    KILN_RETURN_IF_ERROR(AddGraphInput(input, options, state));
    available.insert(input.name());
  }
  KILN_ASSIGN_OR_RETURN(std::vector<int> order, SortNodes(graph, available));
  for (int i : order) KILN_RETURN_IF_ERROR(ConvertNode(graph.node(i), opset, state));
  if (graph.output_size() == 0) return absl::InvalidArgumentError("the graph has no outputs");
  std::set<TensorId> marked;
  for (const onnx::ValueInfoProto& output : graph.output()) {
    KILN_RETURN_IF_ERROR(MarkGraphOutput(output, state, marked));
  }
  if (record != nullptr) {
    for (const auto& [name, id] : state.tensors) {
      (*record)[name] = onnx_import::ProbeValueOf(state.network.graph().tensor(id));
    }
  }
  return std::move(state.network);
}

// The graph inputs' dims at the import (as AddGraphInput gives them) and at
// two probes, each symbolic dim moved by its own step, for models that
// compute sizes from shapes (a Shape or Size node); none otherwise.
std::vector<OnnxImportOptions> ProbeOptions(const onnx::ModelProto& model,
                                            const OnnxImportOptions& options) {
  const onnx::GraphProto& graph = model.graph();
  bool reads_shapes = false;
  for (const onnx::NodeProto& node : graph.node()) {
    reads_shapes = reads_shapes || node.op_type() == "Shape" || node.op_type() == "Size";
  }
  if (!reads_shapes) return {};
  std::set<std::string> initializers;
  for (const onnx::TensorProto& init : graph.initializer()) initializers.insert(init.name());
  struct Free {
    std::string input;
    size_t dim;
    std::string symbol;
    int64_t base;
  };
  std::vector<Free> free;
  std::map<std::string, Dims> base_dims;
  std::vector<std::string> symbols;
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (initializers.count(input.name()) || options.constant_inputs.count(input.name()) ||
        !input.type().has_tensor_type() || !input.type().tensor_type().has_shape()) {
      continue;
    }
    const onnx::TensorShapeProto& shape = input.type().tensor_type().shape();
    auto given = options.input_shapes.find(input.name());
    Dims dims;
    for (int d = 0; d < shape.dim_size(); ++d) {
      const auto& dim = shape.dim(d);
      const bool fixed = dim.has_dim_value() && dim.dim_value() > 0;
      int64_t value = fixed ? dim.dim_value() : (d == 0 ? options.batch : -1);
      if (given != options.input_shapes.end() && d < static_cast<int>(given->second.size())) {
        value = given->second[d];
      }
      if (value < 1) return {};  // AddGraphInput reports it
      dims.push_back(value);
      if (fixed) continue;
      std::string symbol = dim.has_dim_param() && !dim.dim_param().empty()
                               ? dim.dim_param()
                               : absl::StrCat(input.name(), ":", d);
      absl::StrAppend(&symbol, "=", value);  // one symbol given two values: two symbols
      if (std::find(symbols.begin(), symbols.end(), symbol) == symbols.end()) {
        symbols.push_back(symbol);
      }
      free.push_back(Free{input.name(), static_cast<size_t>(d), symbol, value});
    }
    base_dims[input.name()] = dims;
  }
  if (free.empty()) return {};
  std::vector<OnnxImportOptions> probes;
  for (int64_t j = 1; j <= 2; ++j) {
    OnnxImportOptions probe = options;
    std::map<std::string, Dims> dims = base_dims;
    for (const Free& f : free) {
      const int64_t i = std::find(symbols.begin(), symbols.end(), f.symbol) - symbols.begin();
      const int64_t step = j * (i + 1);
      // Down where there is room (a position table caps seq), else up.
      const int64_t value = f.base > 4 * (i + 1) ? f.base - step : f.base + step;
      dims[f.input][f.dim] = value;
      if (f.dim == 0) probe.batch = static_cast<int>(value);
    }
    for (const auto& [name, d] : dims) probe.input_shapes[name] = d;
    probes.push_back(std::move(probe));
  }
  return probes;
}

}  // namespace

absl::StatusOr<NetworkDefinition> ImportOnnxModel(const onnx::ModelProto& model,
                                                  const std::string& model_dir,
                                                  const OnnxImportOptions& options) {
  std::vector<ProbeRecord> probes;
  for (const OnnxImportOptions& probe : ProbeOptions(model, options)) {
    ProbeRecord record;
    // A model that does not import at a probe's dims keeps the pinned shapes.
    if (!ImportAt(model, model_dir, probe, {}, &record).ok()) {
      probes.clear();
      break;
    }
    probes.push_back(std::move(record));
  }
  return ImportAt(model, model_dir, options, std::move(probes), nullptr);
}

absl::StatusOr<NetworkDefinition> ImportOnnxFile(const std::string& path,
                                                 const OnnxImportOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open ONNX file '", path, "'"));
  std::stringstream bytes;
  bytes << file.rdbuf();
  const std::string data = bytes.str();
  onnx::ModelProto model;
  if (data.empty() || !model.ParseFromString(data)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", path, "' is not a valid ONNX model (", data.size(),
        " bytes that do not parse as onnx.ModelProto: a truncated or corrupt file, or not ONNX)"));
  }
  if (!model.has_graph()) {
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' holds no graph"));
  }
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  absl::StatusOr<NetworkDefinition> network = ImportOnnxModel(model, dir, options);
  if (!network.ok()) {
    return absl::Status(network.status().code(),
                        absl::StrCat(path, ": ", network.status().message()));
  }
  return network;
}

std::vector<std::string> SupportedOnnxOps() {
  return onnx_import::ConverterRegistry::Global().Names();
}

}  // namespace kiln
