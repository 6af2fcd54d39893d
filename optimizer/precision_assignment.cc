#include "optimizer/precision_assignment.h"

#include <algorithm>
#include <optional>
#include <set>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "graph/op_registry.h"
#include "graph/reformat.h"
#include "graph/status_macros.h"
#include "ops/reformat.h"
#include "optimizer/passes/topological_sort.h"
#include "serialization/node_context.h"

namespace kiln {
namespace {

void Log(const BuildConfig& config, Logger::Severity severity, const std::string& message) {
  if (config.logger != nullptr) config.logger->Log(severity, message);
}

struct Config {
  DataType dtype;
  TensorFormat format;
  bool operator==(const Config& o) const { return dtype == o.dtype && format == o.format; }
};

std::string ConfigName(const Config& c) {
  return absl::StrCat(DataTypeName(c.dtype), " ", TensorFormatName(c.format));
}

// What `desc` becomes when its layer runs in `c` (non-float tensors stay).
TensorDesc Formatted(TensorDesc desc, const Config& c) {
  if (!IsFloatType(desc.dtype)) return desc;
  desc.dtype = c.dtype;
  desc.format = desc.rank() == 4 ? c.format : TensorFormat::kLinear;
  return desc;
}

bool SameFormat(const TensorDesc& a, const TensorDesc& b) {
  return a.dtype == b.dtype && a.format == b.format;
}

std::string Suffix(const TensorDesc& d) {
  return absl::StrCat(DataTypeName(d.dtype), "_", TensorFormatName(d.format));
}

// The configurations a layer may run in, the declared one first.
std::vector<Config> Candidates(const Graph& graph, const Node& node,
                               const std::vector<TensorDesc>& declared,
                               const BuildConfig& config) {
  std::set<DataType> float_types;
  bool has_rank4_float = false;
  auto visit = [&](TensorId t) {
    if (t < 0 || !IsFloatType(declared[t].dtype)) return;
    float_types.insert(declared[t].dtype);
    if (declared[t].rank() == 4) has_rank4_float = true;
  };
  for (TensorId t : node.inputs) visit(t);
  for (TensorId t : node.outputs) visit(t);
  // Layers with no float tensor, or with fp32 and fp16 both (a Cast), keep
  // what they were given.
  if (float_types.size() != 1 || node.op == kReformatOp) return {};
  const DataType declared_type = *float_types.begin();
  std::vector<DataType> types = {declared_type};
  if (config.allow_fp16 && PrecisionFlexibleOp(node.op) &&
      !absl::c_linear_search(config.fp32_layers, node.name)) {
    types.push_back(declared_type == DataType::kFloat32 ? DataType::kFloat16
                                                        : DataType::kFloat32);
  }
  std::vector<TensorFormat> formats = {TensorFormat::kLinear};
  if (has_rank4_float) formats = config.formats;
  std::vector<Config> configs;
  for (TensorFormat f : formats) {
    for (DataType d : types) configs.push_back({d, f});
  }
  std::stable_sort(configs.begin(), configs.end(), [&](const Config& a, const Config& b) {
    const bool a_declared = a.dtype == declared_type && a.format == TensorFormat::kLinear;
    const bool b_declared = b.dtype == declared_type && b.format == TensorFormat::kLinear;
    return a_declared && !b_declared;
  });
  return configs;
}

// Shape inference must agree with the configuration's output dtypes (a
// layer whose inference pins a dtype cannot change precision).
absl::Status CheckInference(const NodeContext& ctx) {
  InferenceContext inference{ctx.name, ctx.op, ctx.attrs, ctx.inputs, ctx.constants};
  KILN_ASSIGN_OR_RETURN(std::vector<TensorDesc> outs, OpRegistry::Global().Infer(inference));
  for (size_t i = 0; i < outs.size() && i < ctx.outputs.size(); ++i) {
    if (outs[i].dtype != ctx.outputs[i].dtype || outs[i].dims != ctx.outputs[i].dims) {
      return absl::UnimplementedError(absl::StrCat("shape inference gives output ", i, " as ",
                                                   outs[i].ToString(), ", not ",
                                                   ctx.outputs[i].ToString()));
    }
  }
  return absl::OkStatus();
}

NodeContext ReformatContext(const TensorDesc& from, const TensorDesc& to, int max_batch,
                            const BuildConfig& config) {
  NodeContext ctx;
  ctx.name = absl::StrCat(from.name, ".to_", Suffix(to));
  ctx.op = kReformatOp;
  ctx.attrs = ReformatParams{to.dtype, to.format}.ToAttrs();
  ctx.inputs = {from};
  ctx.outputs = {to};
  ctx.constants = {nullptr};
  ctx.max_batch = max_batch;
  ctx.target = config.target();
  return ctx;
}

class Assigner {
 public:
  Assigner(Graph& graph, const BuildConfig& config, int max_batch, const ProfileShapes* shapes,
           Autotuner& tuner, std::map<std::string, TacticChoice>* choices)
      : graph_(graph), config_(config), max_batch_(max_batch), shapes_(shapes), tuner_(tuner),
        choices_(choices) {
    for (const Tensor& t : graph.tensors()) declared_.push_back(t.desc);
  }

  absl::Status Run() {
    const int original_nodes = graph_.num_nodes();
    for (NodeId n = 0; n < original_nodes; ++n) KILN_RETURN_IF_ERROR(AssignNode(n));
    if (graph_.num_nodes() != original_nodes) {
      TopologicalSort sort;
      KILN_RETURN_IF_ERROR(sort.Run(graph_, config_.logger).status());
    }
    return absl::OkStatus();
  }

 private:
  // Milliseconds of the fastest Reformat from `from` to `to`.
  absl::StatusOr<double> ReformatCost(const TensorDesc& from, const TensorDesc& to) {
    const std::string key = absl::StrCat(from.ToString(), "->", Suffix(to));
    if (auto it = reformat_ms_.find(key); it != reformat_ms_.end()) return it->second;
    KILN_ASSIGN_OR_RETURN(
        TacticChoice choice,
        tuner_.Select(ReformatContext(from, to, max_batch_, config_),
                      /*time_single=*/true));
    reformat_ms_[key] = choice.median_ms;
    return choice.median_ms;
  }

  absl::Status AssignNode(NodeId n) {
    const std::vector<Config> configs = Candidates(graph_, graph_.node(n), declared_, config_);
    if (configs.empty()) {
      // A layer that keeps its declared types reads its inputs as declared.
      if (!InputsChanged(n)) return absl::OkStatus();
      FormattedNode f;
      f.ctx = NodeContextFromGraph(graph_, graph_.node(n), max_batch_, config_.target(), shapes_);
      f.constants.resize(f.ctx.inputs.size());
      for (size_t i = 0; i < f.ctx.inputs.size(); ++i) {
        const TensorId t = graph_.node(n).inputs[i];
        if (t >= 0) f.ctx.inputs[i] = declared_[t];
      }
      return Apply(n, f);
    }
    const Config declared_config = configs.front();
    if (configs.size() == 1 && declared_config.format == TensorFormat::kLinear &&
        !InputsChanged(n)) {
      return absl::OkStatus();  // nothing to choose; the builder picks the tactic
    }
    const NodeContext base =
        NodeContextFromGraph(graph_, graph_.node(n), max_batch_, config_.target(), shapes_);
    struct Best {
      Config config;
      FormattedNode formatted;
      TacticChoice choice;
      double cost;
    };
    std::optional<Best> best;
    std::vector<std::string> tried, refused;
    for (const Config& c : configs) {
      absl::StatusOr<FormattedNode> formatted = FormatNode(base, c.dtype, c.format);
      absl::Status ok = formatted.status();
      if (ok.ok()) ok = CheckInference(formatted->ctx);
      absl::StatusOr<TacticChoice> choice = absl::UnknownError("");
      if (ok.ok()) {
        choice = tuner_.Select(formatted->ctx, /*time_single=*/configs.size() > 1);
        ok = choice.status();
      }
      double cost = ok.ok() ? choice->median_ms : 0.0;
      for (size_t i = 0; ok.ok() && i < base.inputs.size(); ++i) {
        if (!base.has_input(i) || base.constant(i) != nullptr) continue;
        const TensorDesc& want = formatted->ctx.inputs[i];
        if (SameFormat(base.inputs[i], want)) continue;
        absl::StatusOr<double> ms = ReformatCost(base.inputs[i], want);
        if (ms.ok()) cost += *ms;
        ok = ms.status();
      }
      const Node& node = graph_.node(n);
      for (size_t i = 0; ok.ok() && i < node.outputs.size(); ++i) {
        const TensorId t = node.outputs[i];
        if (!graph_.tensor(t).is_output) continue;
        const TensorDesc& have = formatted->ctx.outputs[i];
        if (SameFormat(have, declared_[t])) continue;
        absl::StatusOr<double> ms = ReformatCost(have, declared_[t]);
        if (ms.ok()) cost += *ms;
        ok = ms.status();
      }
      if (!ok.ok()) {
        if (c == declared_config && configs.size() == 1) return ok;
        refused.push_back(absl::StrCat(ConfigName(c), ": ", ok.message()));
        continue;
      }
      tried.push_back(absl::StrFormat("%s %.4f ms", ConfigName(c), cost));
      const double rank = RankingCost(cost, c.dtype, config_.allow_fp16);
      if (!best.has_value() || rank < best->cost) {
        best = Best{c, std::move(*formatted), std::move(*choice), rank};
      }
    }
    if (!best.has_value()) {
      return absl::NotFoundError(absl::StrCat(
          "layer '", base.name, "' (", base.op, "): no precision and layout can run it: ",
          absl::StrJoin(refused, "; ")));
    }
    if (configs.size() > 1) {
      Log(config_, Logger::Severity::kVerbose,
          absl::StrCat("layer '", base.name, "' (", base.op, "): runs in ",
                       ConfigName(best->config), " among ", absl::StrJoin(tried, ", "),
                       refused.empty() ? "" : absl::StrCat("; not ", absl::StrJoin(refused, "; "))));
    }
    (*choices_)[base.name] = std::move(best->choice);
    return Apply(n, best->formatted);
  }

  // True when a producer of one of n's float inputs changed its layout or precision.
  bool InputsChanged(NodeId n) const {
    for (TensorId t : graph_.node(n).inputs) {
      if (t >= 0 && !SameFormat(graph_.tensor(t).desc, declared_[t])) return true;
    }
    return false;
  }

  // Rewrites node n to read and write the tensors of `f`.
  absl::Status Apply(NodeId n, const FormattedNode& f) {
    for (size_t i = 0; i < f.ctx.inputs.size(); ++i) {
      const TensorId t = graph_.node(n).inputs[i];
      if (t < 0) continue;
      const TensorDesc& want = f.ctx.inputs[i];
      if (SameFormat(graph_.tensor(t).desc, want)) continue;
      const std::string key = absl::StrCat(t, "/", Suffix(want));
      auto it = converted_.find(key);
      if (it == converted_.end()) {
        TensorId id;
        if (graph_.tensor(t).is_constant()) {
          Tensor tensor;
          tensor.desc = want;
          tensor.desc.name = absl::StrCat(want.name, ".", Suffix(want));
          tensor.constant = f.constants[i];
          id = graph_.AddTensor(std::move(tensor));
        } else {
          KILN_ASSIGN_OR_RETURN(id, AddReformat(t, want));
        }
        it = converted_.emplace(key, id).first;
      }
      graph_.node(n).inputs[i] = it->second;
    }
    for (size_t i = 0; i < f.ctx.outputs.size(); ++i) {
      const TensorId t = graph_.node(n).outputs[i];
      const TensorDesc& want = f.ctx.outputs[i];
      if (SameFormat(graph_.tensor(t).desc, want)) continue;
      if (!graph_.tensor(t).is_output) {
        graph_.tensor(t).desc = want;
        continue;
      }
      // A network output keeps its declared form: the layer writes a new
      // tensor and a Reformat writes the output from it.
      Tensor inner;
      inner.desc = want;
      inner.desc.name = absl::StrCat(want.name, ".", Suffix(want));
      inner.producer = n;
      const TensorId inner_id = graph_.AddTensor(std::move(inner));
      graph_.node(n).outputs[i] = inner_id;
      Node reformat;
      reformat.name = UniqueNodeName(absl::StrCat(declared_[t].name, ".from_", Suffix(want)));
      reformat.op = kReformatOp;
      reformat.attrs = ReformatParams{declared_[t].dtype, declared_[t].format}.ToAttrs();
      reformat.inputs = {inner_id};
      reformat.outputs = {t};
      graph_.AddNode(std::move(reformat));
    }
    return absl::OkStatus();
  }

  // A Reformat layer from tensor `t` (as it is now) to `want`; returns the new tensor.
  absl::StatusOr<TensorId> AddReformat(TensorId t, const TensorDesc& want) {
    KILN_RETURN_IF_ERROR(CheckReformat(graph_.tensor(t).desc, want.dtype, want.format));
    Tensor out;
    out.desc = want;
    out.desc.name = absl::StrCat(graph_.tensor(t).desc.name, ".", Suffix(want));
    const TensorId id = graph_.AddTensor(std::move(out));
    Node node;
    node.name = UniqueNodeName(absl::StrCat(graph_.tensor(t).desc.name, ".to_", Suffix(want)));
    node.op = kReformatOp;
    node.attrs = ReformatParams{want.dtype, want.format}.ToAttrs();
    node.inputs = {t};
    node.outputs = {id};
    graph_.AddNode(std::move(node));
    return id;
  }

  std::string UniqueNodeName(const std::string& base) const {
    std::string name = base;
    for (int k = 2; graph_.FindNode(name).has_value(); ++k) name = absl::StrCat(base, ".", k);
    return name;
  }

  Graph& graph_;
  const BuildConfig& config_;
  const int max_batch_;
  const ProfileShapes* shapes_;  // ranges of the tensors the pass starts with
  Autotuner& tuner_;
  std::map<std::string, TacticChoice>* choices_;
  std::vector<TensorDesc> declared_;              // per tensor, before the pass
  std::map<std::string, TensorId> converted_;     // "tensor/dtype_format" -> tensor
  std::map<std::string, double> reformat_ms_;
};

}  // namespace

absl::StatusOr<FormattedNode> FormatNode(const NodeContext& node, DataType dtype,
                                         TensorFormat format) {
  FormattedNode f;
  f.ctx = node;
  const Config c{dtype, format};
  f.constants.resize(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.has_input(i)) continue;
    const TensorDesc want = Formatted(node.inputs[i], c);
    if (const Weights* w = node.constant(i); w != nullptr && !SameFormat(want, node.inputs[i])) {
      KILN_ASSIGN_OR_RETURN(Weights converted,
                            ReformatWeights(*w, node.inputs[i].format, want.dtype, want.format));
      f.constants[i] = std::make_shared<const Weights>(std::move(converted));
      f.ctx.constants[i] = f.constants[i].get();
    }
    f.ctx.inputs[i] = want;
  }
  for (TensorDesc& out : f.ctx.outputs) out = Formatted(out, c);
  // An output whose type the op fixes (LayerNormalization's fp32 Mean and
  // InvStdDev) keeps it: the layer still runs in `dtype`, and its other
  // outputs with it. Inference that fails is left to CheckInference.
  InferenceContext inference{f.ctx.name, f.ctx.op, f.ctx.attrs, f.ctx.inputs, f.ctx.constants};
  if (absl::StatusOr<std::vector<TensorDesc>> inferred = OpRegistry::Global().Infer(inference);
      inferred.ok()) {
    for (size_t i = 0; i < inferred->size() && i < f.ctx.outputs.size(); ++i) {
      TensorDesc& out = f.ctx.outputs[i];
      if (IsFloatType(out.dtype) && IsFloatType((*inferred)[i].dtype)) {
        out.dtype = (*inferred)[i].dtype;
      }
    }
  }
  return f;
}

double RankingCost(double ms, DataType dtype, bool allow_fp16) {
  return allow_fp16 && dtype != DataType::kFloat16 ? ms * (1 + kFp16Preference) : ms;
}

bool PrecisionFlexibleOp(absl::string_view op) {
  static const std::set<std::string, std::less<>>* ops =
      new std::set<std::string, std::less<>>{"Activation",
                                             "Concatenation",
                                             "Convolution",
                                             "Deconvolution",
                                             "ElementWise",
                                             "FullyConnected",
                                             "Identity",
                                             "LRN",
                                             "MatMul",
                                             "Padding",
                                             "Pooling",
                                             "Reduce",
                                             "Scale",
                                             "Shuffle",
                                             "Slice",
                                             "SoftMax",
                                             "Unary",
                                             "Gather",
                                             "LayerNormalization",
                                             "InstanceNormalization",
                                             "PointwiseChain",
                                             "Attention",
                                             "EmbeddingLayerNorm"};
  return ops->count(op) > 0;
}

absl::Status AssignPrecisionAndLayout(Graph& graph, const BuildConfig& config, int max_batch,
                                      const ProfileShapes* shapes, Autotuner& tuner,
                                      std::map<std::string, TacticChoice>* choices) {
  return Assigner(graph, config, max_batch, shapes, tuner, choices).Run();
}

}  // namespace kiln
