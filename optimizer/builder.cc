#include "optimizer/builder.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "backends/backend.h"
#include "graph/status_macros.h"
#include "optimizer/autotuner.h"
#include "optimizer/fp16_range.h"
#include "optimizer/memory_planner.h"
#include "optimizer/passes/dead_layer_elimination.h"
#include "optimizer/passes/fold_attention_transposes.h"
#include "optimizer/passes/fold_constants.h"
#include "optimizer/passes/fold_scale.h"
#include "optimizer/passes/fuse_activation.h"
#include "optimizer/passes/fuse_attention.h"
#include "optimizer/passes/fuse_conv_epilogue.h"
#include "optimizer/passes/fuse_embedding_layer_norm.h"
#include "optimizer/passes/fuse_gelu.h"
#include "optimizer/passes/fuse_layer_norm.h"
#include "optimizer/passes/fuse_matmul_bias.h"
#include "optimizer/passes/fuse_pointwise.h"
#include "optimizer/passes/fuse_qkv.h"
#include "optimizer/passes/fuse_skip_layer_norm.h"
#include "optimizer/passes/topological_sort.h"
#include "optimizer/precision_assignment.h"
#include "serialization/node_context.h"

namespace kiln {
namespace {

void Log(const BuildConfig& config, Logger::Severity severity, const std::string& message) {
  if (config.logger != nullptr) config.logger->Log(severity, message);
}

absl::Status ValidateConfig(const BuildConfig& config) {
  if (config.max_batch < 1 || config.max_batch > kMaxBatchLimit) {
    return absl::InvalidArgumentError(absl::StrCat("BuildConfig.max_batch is ", config.max_batch,
                                                   "; it must be in 1..", kMaxBatchLimit));
  }
  if (config.backends.empty()) {
    return absl::InvalidArgumentError("BuildConfig.backends is empty; enable at least cpu_ref");
  }
  if (!config.profiles.empty() && config.max_batch != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BuildConfig.max_batch is ", config.max_batch,
        " and shape profiles are given; with profiles the batch comes from them (give the "
        "batch dim's range in each profile and leave max_batch at 1)"));
  }
  for (const std::string& name : config.backends) {
    const Backend* backend = BackendRegistry::Global().Find(name);
    if (backend == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backend '", name, "' is not part of this build; available: ",
          absl::StrJoin(BackendRegistry::Global().Names(), ", ")));
    }
    absl::Status available = backend->Available();
    if (!available.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("backend '", name,
                                                        "' cannot run on this machine: ",
                                                        available.message()));
    }
  }
  // A plan holds one memory space; mixing backends needs copies between them.
  const bool host = BackendRegistry::Global().Find(config.backends[0])->host_memory();
  for (const std::string& name : config.backends) {
    if (BackendRegistry::Global().Find(name)->host_memory() != host) {
      return absl::UnimplementedError(absl::StrCat(
          "backends [", absl::StrJoin(config.backends, ", "),
          "] do not share one memory space; build with one device backend at a time"));
    }
  }
  return absl::OkStatus();
}

// Sort, then drop dead layers before anything spends work on them; fold
// constants before fold-scale (whose scale and shift may be computed ones)
// and fold-scale before the fusions, so Convolution -> BatchNorm (a Scale) ->
// ReLU ends as one layer. fuse-embedding-layer-norm after folding (the
// position lookup of constant ids is a constant by then) and after
// fuse-skip-layer-norm, whose Skip input it reads as one more term. fuse-layer-norm and fuse-gelu
// come after folding (an exporter's epsilon, sqrt(2) or Pow exponent may be computed or cast
// constants) and before the other fusions: fuse-gelu before
// fuse-conv-epilogue, so Convolution -> decomposed GELU ends as one
// Convolution with a fused Gelu; both before fuse-pointwise, which would
// otherwise take the pattern's element-wise tail (Add eps -> Sqrt, Erf -> Add
// 1) into chains and leave nothing to recognise. fuse-layer-norm's pattern
// shares no layer with the epilogue fusions (its Add of beta adds a constant,
// not a residual), so its place among them only follows the same rule:
// recognise whole ops first. fuse-attention follows them (its MatMul ->
// scale -> Add mask -> SoftMax -> MatMul shares no layer with a LayerNorm or
// a GELU) and comes before fuse-activation, which would fuse an activation
// after the P V MatMul into it (then not the plain MatMul the pattern needs;
// Attention has no fused activation), and before fuse-pointwise, which would
// take the scale's Div or Mul into a chain. fold-attention-transposes right
// after it, on the Attention layers it made. fuse-matmul-bias after
// fuse-attention (whose MatMuls read no constant, so it takes none of them)
// and before fuse-activation, which can then fuse a ReLU or GELU into the
// FullyConnected (fuse-qkv right after it, on the FullyConnected layers it
// made), and fuse-pointwise, which would take the bias Add into a
// chain. fuse-pointwise after the
// epilogue fusions, so an activation goes into the layer before it when it
// can, and into a chain of element-wise layers otherwise. Folding needs no second dead-layer pass:
// a pass that removes layers calls Graph::Reorder, which drops the tensors (constants included)
// that nothing refers to anymore.
absl::Status RunPasses(Graph& graph, const BuildConfig& config) {
  TopologicalSort topo;
  DeadLayerElimination dle;
  FoldConstants fold_constants;
  FoldScale fold_scale;
  FuseActivation fuse_activation(config.backends);
  FuseLayerNorm fuse_layer_norm(config.backends);
  FuseSkipLayerNorm fuse_skip_layer_norm(config.backends);
  FuseEmbeddingLayerNorm fuse_embedding_layer_norm(config.backends);
  FuseGelu fuse_gelu(config.backends);
  FuseAttention fuse_attention(config.backends);
  FoldAttentionTransposes fold_attention_transposes(config.backends);
  FuseMatMulBias fuse_matmul_bias(config.backends);
  FuseQkv fuse_qkv(config.backends);
  FuseConvEpilogue fuse_conv_epilogue;
  FusePointwise fuse_pointwise(config.backends);
  std::vector<Pass*> passes = {&topo,
                               &dle,
                               &fold_constants,
                               &fold_scale,
                               &fuse_layer_norm,
                               &fuse_skip_layer_norm,
                               &fuse_embedding_layer_norm,
                               &fuse_gelu,
                               &fuse_attention,
                               &fold_attention_transposes,
                               &fuse_matmul_bias,
                               &fuse_qkv,
                               &fuse_activation,
                               &fuse_conv_epilogue,
                               &fuse_pointwise};
  for (const std::string& name : config.disabled_passes) {
    if (name == topo.name()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "BuildConfig.disabled_passes names '", name,
          "', which every build needs (layers run in its order); drop it from the list"));
    }
    if (std::none_of(passes.begin(), passes.end(),
                     [&name](const Pass* pass) { return pass->name() == name; })) {
      return absl::InvalidArgumentError(absl::StrCat(
          "BuildConfig.disabled_passes names '", name, "', which is not a pass; the passes are ",
          absl::StrJoin(passes, ", ", [](std::string* out, const Pass* pass) {
            absl::StrAppend(out, pass->name());
          })));
    }
  }
  for (Pass* pass : passes) {
    if (absl::c_linear_search(config.disabled_passes, pass->name())) {
      Log(config, Logger::Severity::kInfo,
          absl::StrCat("pass ", pass->name(), ": skipped (BuildConfig.disabled_passes)"));
      continue;
    }
    const int before = graph.num_nodes();
    KILN_ASSIGN_OR_RETURN(bool changed, pass->Run(graph, config.logger));
    Log(config, Logger::Severity::kVerbose,
        absl::StrCat("pass ", pass->name(), changed ? ": changed the graph, " : ": no change, ",
                     before, " -> ", graph.num_nodes(), " layers"));
  }
  return absl::OkStatus();
}

absl::Status SetMaxBatch(Graph& graph, int max_batch) {
  bool any_batched = false;
  for (TensorId t : graph.inputs()) {
    Tensor& tensor = graph.tensor(t);
    if (!tensor.batched) continue;
    tensor.desc.dims[0] = max_batch;
    any_batched = true;
  }
  if (!any_batched && max_batch != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BuildConfig.max_batch is ", max_batch,
        " but no network input is batched (all were added with batched=false); build with "
        "max_batch 1 or mark the batch input"));
  }
  absl::Status status = ReinferShapes(graph);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the network does not accept batch size ", max_batch, ": ", status.message(),
        ". Layers must treat dim 0 as the batch (reshape with 0 or -1 for it)"));
  }
  return absl::OkStatus();
}

// The largest dim 0 of a batched input over the profiles (1 without any):
// the plan's max batch, which tactics built per batch size size their
// tables by.
int64_t ProfilesMaxBatch(const Graph& graph, const std::vector<ShapeProfile>& profiles) {
  int64_t max_batch = 1;
  for (TensorId t : graph.inputs()) {
    if (!graph.tensor(t).batched) continue;
    for (const ShapeProfile& profile : profiles) {
      const InputShapeRange* range = profile.Find(graph.tensor(t).desc.name);
      if (range != nullptr && !range->max.empty()) max_batch = std::max(max_batch, range->max[0]);
    }
  }
  return max_batch;
}

// A network that fixed values from its input dims when it was made
// (NetworkDefinition::pinned_shapes) runs only at those dims, but for the
// batch: refuses profiles that vary anything else.
absl::Status CheckPinnedShapes(const NetworkDefinition& network, const Graph& graph,
                               const std::vector<ShapeProfile>& profiles) {
  if (network.pinned_shapes().empty()) return absl::OkStatus();
  for (size_t p = 0; p < profiles.size(); ++p) {
    for (TensorId t : graph.inputs()) {
      const Tensor& tensor = graph.tensor(t);
      const InputShapeRange* range = profiles[p].Find(tensor.desc.name);
      for (size_t d = tensor.batched ? 1 : 0; range != nullptr && d < range->max.size(); ++d) {
        if (range->min[d] == tensor.desc.dims[d] && range->max[d] == tensor.desc.dims[d]) continue;
        const std::vector<std::string>& why = network.pinned_shapes();
        return absl::UnimplementedError(absl::StrCat(
            "profile ", p, " varies dim ", d, " of input '", tensor.desc.name, "' (",
            range->min[d], "..", range->max[d], "), but the network fixed values from its "
            "input shapes when it was made, so it runs only at ", DimsString(tensor.desc.dims),
            " but for the batch: ", why[0],
            why.size() > 1 ? absl::StrCat(" (and ", why.size() - 1, " more)") : "",
            ". kiln does not yet evaluate shape computations at run time; build one plan per "
            "shape or export the model with fixed shapes"));
      }
    }
  }
  return absl::OkStatus();
}

// Tactics were chosen, and answered WorkspaceSize, at the first profile's
// max shapes; another corner of a profile may need more (a later profile's
// larger shapes, an output that grows as an input shrinks) or be refused.
// Checks Supports and raises each layer's workspace to its need at every
// corner of every profile; leaves `graph` at the first profile's max again.
absl::Status WorkspaceForEveryProfile(Graph& graph, const std::vector<ShapeProfile>& profiles,
                                      int max_batch, const BuildConfig& config,
                                      const ProfileShapes& shapes,
                                      const std::vector<const Tactic*>& tactics, Plan& plan) {
  for (size_t p = 0; p < profiles.size(); ++p) {
    for (ProfileCorner corner : {ProfileCorner::kMin, ProfileCorner::kOpt, ProfileCorner::kMax}) {
      KILN_RETURN_IF_ERROR(SetProfileShapes(graph, profiles[p], corner));
      KILN_RETURN_IF_ERROR(ReinferShapes(graph));
      for (NodeId n = 0; n < graph.num_nodes(); ++n) {
        const NodeContext ctx = NodeContextFromGraph(graph, graph.node(n), max_batch,
                                                     config.target(), &shapes);
        // Chosen at the first profile's max; it must take every corner.
        if (absl::Status s = tactics[n]->Supports(ctx); !s.ok()) {
          return absl::UnimplementedError(absl::StrCat(
              "layer '", ctx.name, "': tactic ", tactics[n]->name(), " does not support the ",
              ProfileCornerName(corner), " shapes of profile ", p, ": ", s.message(),
              "; narrow the profile or split it in two"));
        }
        const uint64_t ws = tactics[n]->WorkspaceSize(ctx);
        if (ws > config.workspace_bytes) {
          return absl::ResourceExhaustedError(absl::StrCat(
              "layer '", ctx.name, "' (", tactics[n]->name(), ") needs ", ws,
              " bytes of workspace at the ", ProfileCornerName(corner), " shapes of profile ", p,
              ", over the budget of ", config.workspace_bytes,
              "; raise the workspace budget or narrow the profile"));
        }
        PlanNode& pn = plan.nodes[n];
        pn.workspace_size = std::max<uint64_t>(pn.workspace_size, ws);
        plan.workspace_size = std::max(plan.workspace_size, pn.workspace_size);
      }
    }
  }
  KILN_RETURN_IF_ERROR(SetProfileShapes(graph, profiles[0], ProfileCorner::kMax));
  return ReinferShapes(graph);
}

bool IsActivation(const Tensor& t) { return !t.is_input && !t.is_output && !t.is_constant(); }

// Each tensor's storage: itself, or the tensor whose memory it shares. A
// layer whose tactic runs as a view (Tactic::RunsAsView: a reshape, an
// Identity) between two activations of one size gets its output in its
// input's memory, and does nothing at run time. Chains of views share one.
std::vector<TensorId> ViewStorage(const Graph& graph, const std::vector<bool>& views,
                                  const std::vector<uint64_t>& bytes) {
  std::vector<TensorId> storage(graph.num_tensors());
  for (TensorId t = 0; t < graph.num_tensors(); ++t) storage[t] = t;
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {  // topological: inputs resolved first
    const Node& node = graph.node(n);
    if (!views[n] || node.inputs.empty() || node.outputs.size() != 1 || node.inputs[0] < 0) continue;
    const Tensor& in = graph.tensor(node.inputs[0]);
    const Tensor& out = graph.tensor(node.outputs[0]);
    if (IsActivation(in) && IsActivation(out) && bytes[node.inputs[0]] == bytes[node.outputs[0]]) {
      storage[node.outputs[0]] = storage[node.inputs[0]];
    }
  }
  return storage;
}

// Fills plan.tensors/weights/bindings from the graph and places activations;
// `views[n]`: layer n's tactic runs as a view (ViewStorage). With profiles,
// `shapes` gives each tensor's ranges and the bytes its memory must hold.
void PlanTensorsAndMemory(const Graph& graph, const std::vector<bool>& views,
                          const ProfileShapes* shapes, Plan& plan) {
  std::map<const Weights*, int32_t> weight_index;
  std::vector<uint64_t> bytes(graph.num_tensors());
  for (TensorId t = 0; t < graph.num_tensors(); ++t) {
    bytes[t] = shapes != nullptr ? shapes->capacity[t] : graph.tensor(t).desc.bytes();
  }
  const std::vector<TensorId> storage = ViewStorage(graph, views, bytes);
  // Lifetimes per storage: from the first write of any tensor in it to the
  // last read of any.
  std::vector<int> first(graph.num_tensors(), -1), last(graph.num_tensors(), -1);
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    for (TensorId t : graph.node(n).outputs) {
      const TensorId s = storage[t];
      if (first[s] < 0) first[s] = n;
      last[s] = std::max(last[s], n);
    }
    for (TensorId t : graph.node(n).inputs) {
      if (t >= 0) last[storage[t]] = std::max(last[storage[t]], n);
    }
  }
  std::vector<TensorLifetime> lifetimes;
  std::vector<TensorId> activation_ids;
  for (TensorId t = 0; t < graph.num_tensors(); ++t) {
    const Tensor& tensor = graph.tensor(t);
    PlanTensor pt;
    pt.desc = tensor.desc;
    if (shapes != nullptr) {
      pt.min_dims = shapes->min[t];
      pt.opt_dims = shapes->opt[t];
      pt.max_dims = shapes->max[t];
      pt.capacity = shapes->capacity[t];
    }
    if (tensor.is_input) {
      pt.kind = PlanTensorKind::kInput;
      pt.batched = tensor.batched;
    } else if (tensor.is_output) {
      pt.kind = PlanTensorKind::kOutput;
    } else if (tensor.is_constant()) {
      pt.kind = PlanTensorKind::kConstant;
      auto [it, inserted] = weight_index.emplace(tensor.constant.get(), plan.weights.size());
      if (inserted) plan.weights.push_back(*tensor.constant);
      pt.weight = it->second;
    } else {
      pt.kind = PlanTensorKind::kActivation;
      if (storage[t] == t) {  // a view is placed with the tensor it shares
        lifetimes.push_back({bytes[t], first[t], std::max(first[t], last[t])});
        activation_ids.push_back(t);
      }
    }
    plan.tensors.push_back(std::move(pt));
  }
  const MemoryPlan memory = PlanMemory(lifetimes);
  for (size_t i = 0; i < activation_ids.size(); ++i) {
    plan.tensors[activation_ids[i]].arena_offset = memory.offsets[i];
  }
  for (TensorId t = 0; t < graph.num_tensors(); ++t) {
    if (storage[t] != t) plan.tensors[t].arena_offset = plan.tensors[storage[t]].arena_offset;
  }
  plan.arena_size = memory.arena_size;
  plan.inputs.assign(graph.inputs().begin(), graph.inputs().end());
  plan.outputs.assign(graph.outputs().begin(), graph.outputs().end());
}

}  // namespace

std::string BuildConfig::ToString() const {
  std::string shapes = absl::StrCat("max_batch=", max_batch);
  if (!profiles.empty()) {
    shapes = absl::StrJoin(profiles, " ", [](std::string* out, const ShapeProfile& p) {
      absl::StrAppend(out, "profile=", p.ToString());
    });
  }
  return absl::StrCat(
      shapes, " workspace=", workspace_bytes >> 20, "MiB", " fp16=", allow_fp16,
      " tf32=", allow_tf32, " formats=",
      absl::StrJoin(
          formats, ",",
          [](std::string* out, TensorFormat f) { absl::StrAppend(out, TensorFormatName(f)); }),
      " timing_iterations=", timing_iterations, " backends=", absl::StrJoin(backends, ","),
      disabled_passes.empty()
          ? ""
          : absl::StrCat(" disabled_passes=", absl::StrJoin(disabled_passes, ",")),
      fp32_layers.empty() ? "" : absl::StrCat(" fp32_layers=", absl::StrJoin(fp32_layers, ",")),
      fp16_range_samples.empty() ? ""
                                 : absl::StrCat(" fp16_range_samples=", fp16_range_samples.size()));
}

absl::StatusOr<Plan> Builder::Build(const NetworkDefinition& network, const BuildConfig& config) {
  const auto start = std::chrono::steady_clock::now();
  auto lap = start;
  // Seconds since the previous call (the build summary's phase times).
  auto phase = [&lap]() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - lap).count();
    lap = now;
    return s;
  };
  KILN_RETURN_IF_ERROR(ValidateConfig(config));
  Graph graph = network.graph();
  if (graph.outputs().empty()) {
    return absl::InvalidArgumentError(
        "the network has no outputs; mark at least one with NetworkDefinition::MarkOutput");
  }
  KILN_RETURN_IF_ERROR(RunPasses(graph, config));
  // Layers kept in fp32: the user's, and those the fp16 range check pins.
  BuildConfig assign_config = config;
  for (const std::string& name : config.fp32_layers) {
    if (std::none_of(graph.nodes().begin(), graph.nodes().end(),
                     [&name](const Node& n) { return n.name == name; })) {
      return absl::InvalidArgumentError(absl::StrCat(
          "BuildConfig.fp32_layers names '", name,
          "', which is no layer of the network after the graph passes (a fused layer takes the "
          "name of its first layer; `kiln inspect` lists them)"));
    }
  }
  if (config.allow_fp16 && !config.fp16_range_samples.empty()) {
    KILN_ASSIGN_OR_RETURN(std::vector<Fp16RangePin> pins,
                          FindFp16RangePins(graph, config.fp16_range_samples));
    for (const Fp16RangePin& pin : pins) {
      // A warning: the plan runs these layers in another precision than asked.
      Log(config, Logger::Severity::kWarning,
          absl::StrCat("fp16 range check: keeping ", pin.ToString(), " in fp32"));
      assign_config.fp32_layers.push_back(pin.layer);
    }
    Log(config, Logger::Severity::kInfo,
        absl::StrCat("fp16 range check: ", pins.size(), " of ", graph.num_nodes(),
                     " layers kept in fp32"));
  }
  std::vector<ShapeProfile> profiles = config.profiles;
  int max_batch = config.max_batch;
  std::optional<ProfileShapes> shapes;
  if (profiles.empty()) {
    KILN_RETURN_IF_ERROR(SetMaxBatch(graph, config.max_batch));
  } else {
    KILN_RETURN_IF_ERROR(CompleteProfiles(graph, profiles));
    KILN_RETURN_IF_ERROR(CheckPinnedShapes(network, graph, profiles));
    KILN_ASSIGN_OR_RETURN(shapes, InferProfileShapes(graph, profiles));
    const int64_t profiles_batch = ProfilesMaxBatch(graph, profiles);
    if (profiles_batch > kMaxBatchLimit) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the profiles' largest batch (dim 0 of a batched input) is ", profiles_batch,
          "; it must be at most ", kMaxBatchLimit));
    }
    max_batch = static_cast<int>(profiles_batch);
  }
  const double passes_s = phase();
  Autotuner tuner(config);
  std::map<std::string, TacticChoice> choices;
  KILN_RETURN_IF_ERROR(AssignPrecisionAndLayout(graph, assign_config, max_batch,
                                                shapes ? &*shapes : nullptr, tuner, &choices));
  // Precision assignment adds Reformat layers and changes dtypes: the
  // ranges again, for every tensor.
  if (shapes) {
    KILN_ASSIGN_OR_RETURN(shapes, InferProfileShapes(graph, profiles));
  }
  const double precision_s = phase();

  Plan plan;
  plan.backend = config.backends[0];
  plan.device = BackendRegistry::Global().Find(plan.backend)->DeviceSignature();
  plan.max_batch = max_batch;
  plan.profiles = profiles;
  plan.build_options = config.ToString();
  plan.target = config.target();
  std::vector<bool> views(graph.num_nodes(), false);
  std::vector<const Tactic*> tactics;
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    const Node& node = graph.node(n);
    const NodeContext ctx = NodeContextFromGraph(graph, node, max_batch, config.target(),
                                                 shapes ? &*shapes : nullptr);
    TacticChoice choice;
    if (auto it = choices.find(node.name); it != choices.end()) {
      choice = std::move(it->second);
    } else {
      KILN_ASSIGN_OR_RETURN(choice, tuner.Select(ctx));
    }
    views[n] = choice.tactic->RunsAsView(ctx);
    tactics.push_back(choice.tactic);
    PlanNode pn;
    pn.name = node.name;
    pn.op = node.op;
    pn.attrs = node.attrs;
    pn.inputs = node.inputs;
    pn.outputs = node.outputs;
    pn.backend = choice.tactic->backend();
    pn.tactic = choice.tactic->name();
    pn.state = std::move(choice.state);
    pn.workspace_size = choice.workspace;
    plan.workspace_size = std::max(plan.workspace_size, pn.workspace_size);
    plan.nodes.push_back(std::move(pn));
    if (config.progress) {
      const PlanNode& chosen = plan.nodes.back();
      BuildProgress progress;
      progress.done = n + 1;
      progress.total = graph.num_nodes();
      progress.layer = chosen.name;
      progress.op = chosen.op;
      progress.tactic = chosen.tactic;
      progress.median_ms = choice.median_ms;
      progress.candidates = choice.candidates;
      progress.cache_hits = choice.cache_hits;
      config.progress(progress);
    }
  }
  if (!profiles.empty()) {
    KILN_RETURN_IF_ERROR(
        WorkspaceForEveryProfile(graph, profiles, max_batch, config, *shapes, tactics, plan));
  }
  const double tactics_s = phase();
  PlanTensorsAndMemory(graph, views, shapes ? &*shapes : nullptr, plan);
  const double memory_s = phase();
  int view_layers = 0;
  for (const PlanNode& node : plan.nodes) view_layers += IsViewLayer(plan, node);
  if (view_layers > 0) {
    Log(config, Logger::Severity::kVerbose,
        absl::StrCat(view_layers, " layers run as views: their output shares their input's "
                                  "memory and they copy nothing"));
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const AutotunerStats& tuned = tuner.stats();
  Log(config, Logger::Severity::kInfo,
      absl::StrFormat("build phases: passes %.2f s, precision and layout %.2f s, tactics %.2f s, "
                      "memory %.2f s; timing %.2f s: %d tactic timings run, %d from the timing "
                      "cache, %d reused within this build",
                      passes_s, precision_s, tactics_s, memory_s, tuned.timing_seconds,
                      tuned.timed, tuned.cache_hits, tuned.reused));
  uint64_t weight_bytes = 0;
  for (const Weights& w : plan.weights) weight_bytes += w.bytes();
  Log(config, Logger::Severity::kInfo,
      absl::StrFormat("built %d layers for %s (%s) in %.2f s: activation arena %.2f MiB, "
                      "workspace %.2f MiB, weights %.2f MiB",
                      plan.nodes.size(), plan.backend, plan.device, seconds,
                      plan.arena_size / 1048576.0, plan.workspace_size / 1048576.0,
                      weight_bytes / 1048576.0));
  return plan;
}

}  // namespace kiln
