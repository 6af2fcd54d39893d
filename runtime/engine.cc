#include "runtime/engine.h"

#include <algorithm>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tactic_registry.h"
#include "graph/graph.h"
#include "graph/network_definition.h"
#include "graph/status_macros.h"
#include "serialization/node_context.h"

namespace kiln {
namespace {

absl::Status Mismatch(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("plan is inconsistent: ", what,
                                          "; rebuild the plan with this version of kiln"));
}

// Checks the dataflow of a plan: every node writes only activations or
// outputs, each exactly once, and reads only what exists before it runs.
absl::Status CheckDataflow(const Plan& plan) {
  // Input and output tensors are exactly the bindings, each bound once.
  std::vector<int> bound(plan.tensors.size(), 0);
  for (int32_t t : plan.inputs) ++bound[t];
  for (int32_t t : plan.outputs) ++bound[t];
  for (size_t t = 0; t < plan.tensors.size(); ++t) {
    const PlanTensorKind kind = plan.tensors[t].kind;
    const bool io = kind == PlanTensorKind::kInput || kind == PlanTensorKind::kOutput;
    if (bound[t] != (io ? 1 : 0)) {
      return Mismatch(absl::StrCat("tensor '", plan.tensors[t].desc.name, "' is bound ",
                                   bound[t], " times"));
    }
  }
  std::vector<bool> ready(plan.tensors.size(), false);
  for (size_t t = 0; t < plan.tensors.size(); ++t) {
    const PlanTensorKind kind = plan.tensors[t].kind;
    ready[t] = kind == PlanTensorKind::kInput || kind == PlanTensorKind::kConstant;
  }
  for (const PlanNode& node : plan.nodes) {
    for (int32_t t : node.inputs) {
      if (t >= 0 && !ready[t]) {
        return Mismatch(absl::StrCat("layer '", node.name, "' reads tensor '",
                                     plan.tensors[t].desc.name, "' before it is written"));
      }
    }
    for (int32_t t : node.outputs) {
      const PlanTensorKind kind = plan.tensors[t].kind;
      if (ready[t] || (kind != PlanTensorKind::kActivation && kind != PlanTensorKind::kOutput)) {
        return Mismatch(absl::StrCat("layer '", node.name, "' writes tensor '",
                                     plan.tensors[t].desc.name,
                                     "', which is an input, a constant or written twice"));
      }
      ready[t] = true;
    }
  }
  for (int32_t t : plan.outputs) {
    if (!ready[t]) return Mismatch(absl::StrCat("output '", plan.tensors[t].desc.name,
                                                "' is never written"));
  }
  return absl::OkStatus();
}

// A graph view of the plan for shape inference; constants alias plan weights.
Graph PlanGraph(const Plan& plan) {
  Graph graph;
  for (const PlanTensor& pt : plan.tensors) {
    Tensor t;
    t.desc = pt.desc;
    if (pt.kind == PlanTensorKind::kConstant) {
      t.constant = std::shared_ptr<const Weights>(&plan.weights[pt.weight], [](const Weights*) {});
    }
    t.batched = pt.batched;
    graph.AddTensor(std::move(t));
  }
  for (int32_t t : plan.inputs) graph.MarkInput(t);
  for (int32_t t : plan.outputs) graph.MarkOutput(t);
  for (const PlanNode& pn : plan.nodes) {
    graph.AddNode(Node{pn.name, pn.op, pn.attrs, pn.inputs, pn.outputs});
  }
  return graph;
}

// OK when every tensor of `graph` (the plan's, shape-inferred at some input
// shapes) fits the memory planned for it. Memory is planned at the
// profiles' corners (without profiles, the max batch); a tensor that grows
// as an input shrinks (a slice counted from the end) makes those shapes
// unusable, not the plan. `at` names the shapes in the error.
absl::Status CheckFits(const Graph& graph, const Plan& plan, absl::FunctionRef<std::string()> at) {
  for (int t = 0; t < graph.num_tensors(); ++t) {
    const TensorDesc& desc = graph.tensor(t).desc;
    if (desc.bytes() > plan.tensors[t].planned_bytes()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the network cannot run at ", at(), ": tensor '", desc.name, "' would be ",
                       desc.ToString(), ", larger than the memory planned for it (",
                       plan.tensors[t].desc.ToString(), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(Plan plan) {
  std::unique_ptr<Engine> engine(new Engine());
  engine->plan_ = std::move(plan);
  const Plan& p = engine->plan_;
  engine->backend_ = BackendRegistry::Global().Find(p.backend);
  if (engine->backend_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("plan needs backend '", p.backend, "', which is not part of this build"));
  }
  KILN_RETURN_IF_ERROR(engine->backend_->Available());
  engine->device_ = engine->backend_->CurrentDevice();
  KILN_RETURN_IF_ERROR(CheckDataflow(p));
  for (size_t n = 0; n < p.nodes.size(); ++n) {
    for (int32_t t : p.nodes[n].inputs) {
      if (t >= 0 && p.tensors[t].kind == PlanTensorKind::kInput) {
        engine->last_input_reader_ = static_cast<int>(n);
      }
    }
  }
  for (int32_t t : p.inputs) engine->bindings_.push_back(t);
  for (int32_t t : p.outputs) engine->bindings_.push_back(t);

  KILN_RETURN_IF_ERROR(engine->CheckShapes());

  for (const PlanNode& node : p.nodes) {
    const Tactic* tactic = TacticRegistry::Global().Find(node.tactic);
    if (tactic == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "layer '", node.name, "' uses tactic '", node.tactic,
          "', which does not exist in this build; load the plugin that provides it"));
    }
    const NodeContext ctx = NodeContextFromPlan(p, node);
    absl::Status supported = CheckShapeRanges(*tactic, ctx);
    if (supported.ok()) supported = tactic->Supports(ctx);
    if (!supported.ok()) {
      return Mismatch(absl::StrCat("tactic '", node.tactic, "' does not support layer '",
                                   node.name, "': ", supported.message()));
    }
    if (tactic->WorkspaceSize(ctx) > node.workspace_size) {
      return Mismatch(absl::StrCat("layer '", node.name, "' has less workspace than its tactic needs"));
    }
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, tactic->CreateKernel(ctx, node.state));
    engine->kernels_.push_back(std::move(kernel));
  }

  for (const Weights& w : p.weights) {
    if (engine->backend_->host_memory()) {
      engine->weight_ptrs_.push_back(w.data());
      continue;
    }
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<DeviceBuffer> buf, engine->backend_->Allocate(w.bytes()));
    KILN_RETURN_IF_ERROR(engine->backend_->CopyFromHost(buf->data(), w.data(), w.bytes()));
    engine->weight_ptrs_.push_back(buf->data());
    engine->weights_.push_back(std::move(buf));
  }
  return engine;
}

int Engine::binding_index(absl::string_view name) const {
  for (size_t i = 0; i < bindings_.size(); ++i) {
    if (plan_.tensors[bindings_[i]].desc.name == name) return static_cast<int>(i);
  }
  return -1;
}

const std::string& Engine::binding_name(int binding) const {
  return plan_.tensors[bindings_[binding]].desc.name;
}

absl::StatusOr<TensorDesc> Engine::binding_desc(int binding, int batch) const {
  if (binding < 0 || binding >= num_bindings()) {
    return absl::OutOfRangeError(absl::StrCat("binding ", binding, " does not exist; the engine has ",
                                              num_bindings()));
  }
  KILN_RETURN_IF_ERROR(CheckBatch(batch));
  Graph graph = graph_;
  KILN_RETURN_IF_ERROR(SetProfileShapes(graph, profiles_[0], ProfileCorner::kMax));
  for (TensorId t : graph.inputs()) {
    if (graph.tensor(t).batched) graph.tensor(t).desc.dims[0] = batch;
  }
  absl::Status status = ReinferShapes(graph);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the network cannot run at batch ", batch, ": ", status.message()));
  }
  KILN_RETURN_IF_ERROR(CheckFits(graph, plan_, [batch] { return absl::StrCat("batch ", batch); }));
  return graph.tensor(bindings_[binding]).desc;
}

absl::Status Engine::CheckBatch(int batch) const {
  if (batch < 1 || batch > plan_.max_batch) {
    return absl::OutOfRangeError(absl::StrCat("batch ", batch, " is outside 1..", plan_.max_batch,
                                              " (the plan's max batch); rebuild with a larger "
                                              "BuildConfig.max_batch or profile"));
  }
  return absl::OkStatus();
}

absl::Status Engine::CheckShapes() {
  const Plan& p = plan_;
  graph_ = PlanGraph(p);
  if (p.profiles.empty()) {
    // Batched inputs from 1 to the max batch, every other dim as planned.
    ShapeProfile profile;
    bool any_batched = false;
    for (int32_t t : p.inputs) {
      const PlanTensor& pt = p.tensors[t];
      InputShapeRange range{pt.desc.name, pt.desc.dims, pt.desc.dims, pt.desc.dims};
      if (pt.batched) {
        range.min[0] = 1;
        any_batched = true;
      }
      profile.inputs.push_back(std::move(range));
    }
    if (!any_batched && p.max_batch != 1) return Mismatch("max batch > 1 without batched inputs");
    profiles_ = {std::move(profile)};
    // At max batch the shapes must be the plan's; smaller batches are
    // checked when a context runs at them.
    Graph graph = graph_;
    KILN_RETURN_IF_ERROR(SetProfileShapes(graph, profiles_[0], ProfileCorner::kMax));
    absl::Status status = ReinferShapes(graph);
    if (!status.ok()) return Mismatch(status.message());
    for (int t = 0; t < graph.num_tensors(); ++t) {
      const TensorDesc& desc = graph.tensor(t).desc;
      if (!(desc == p.tensors[t].desc)) {
        return Mismatch(absl::StrCat("tensor '", p.tensors[t].desc.name, "' is ", desc.ToString(),
                                     " by shape inference, ", p.tensors[t].desc.ToString(),
                                     " in the plan"));
      }
    }
    return absl::OkStatus();
  }
  // Profiles: complete (every input named once, in binding order), and what
  // shape inference gives at their corners is what the plan recorded.
  for (size_t i = 0; i < p.profiles.size(); ++i) {
    const ShapeProfile& profile = p.profiles[i];
    if (profile.inputs.size() != p.inputs.size()) {
      return Mismatch(absl::StrCat("profile ", i, " does not give every input's shapes"));
    }
    for (size_t k = 0; k < p.inputs.size(); ++k) {
      const InputShapeRange& range = profile.inputs[k];
      const TensorDesc& desc = p.tensors[p.inputs[k]].desc;
      if (range.name != desc.name) {
        return Mismatch(absl::StrCat("profile ", i, " names '", range.name, "' where input '",
                                     desc.name, "' is"));
      }
      const size_t rank = desc.dims.size();
      if (range.min.size() != rank || range.opt.size() != rank || range.max.size() != rank) {
        return Mismatch(absl::StrCat("profile ", i, " gives input '", desc.name, "' another rank"));
      }
      for (size_t d = 0; d < rank; ++d) {
        if (range.min[d] < 1 || range.min[d] > range.opt[d] || range.opt[d] > range.max[d]) {
          return Mismatch(absl::StrCat("profile ", i, ", input '", desc.name, "', dim ", d,
                                       ": min, opt and max are out of order"));
        }
      }
    }
  }
  profiles_ = p.profiles;
  Graph graph = graph_;
  absl::StatusOr<ProfileShapes> shapes = InferProfileShapes(graph, profiles_);
  if (!shapes.ok()) return Mismatch(shapes.status().message());
  for (int t = 0; t < graph.num_tensors(); ++t) {
    const PlanTensor& pt = p.tensors[t];
    const TensorDesc& desc = graph.tensor(t).desc;
    if (!(desc == pt.desc) || shapes->min[t] != pt.min_dims || shapes->opt[t] != pt.opt_dims ||
        shapes->max[t] != pt.max_dims || shapes->capacity[t] != pt.capacity) {
      return Mismatch(absl::StrCat(
          "tensor '", pt.desc.name, "' takes ", desc.ToString(), " (", DimsString(shapes->min[t]),
          " to ", DimsString(shapes->max[t]), ", ", shapes->capacity[t],
          " bytes) by shape inference over "
          "the profiles, ",
          pt.desc.ToString(), " (", DimsString(pt.min_dims), " to ", DimsString(pt.max_dims), ", ",
          pt.capacity, " bytes) in the plan"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ExecutionContext>> Engine::CreateExecutionContext() const {
  std::unique_ptr<ExecutionContext> ctx(new ExecutionContext(this));
  if (device_ >= 0) KILN_RETURN_IF_ERROR(backend_->SetDevice(device_));
  KILN_ASSIGN_OR_RETURN(ctx->arena_, backend_->Allocate(plan_.arena_size));
  KILN_ASSIGN_OR_RETURN(ctx->workspace_, backend_->Allocate(plan_.workspace_size));
  KILN_ASSIGN_OR_RETURN(ctx->resources_, backend_->CreateResources());
  if (!backend_->host_memory()) {
    for (int32_t t : bindings_) {
      KILN_ASSIGN_OR_RETURN(std::unique_ptr<DeviceBuffer> buf,
                            backend_->Allocate(plan_.tensors[t].planned_bytes()));
      ctx->staging_ptrs_.push_back(buf->data());
      ctx->staging_.push_back(std::move(buf));
    }
  }
  ctx->tensor_ptrs_.assign(plan_.tensors.size(), nullptr);
  auto* arena = static_cast<uint8_t*>(ctx->arena_->data());
  for (size_t t = 0; t < plan_.tensors.size(); ++t) {
    const PlanTensor& pt = plan_.tensors[t];
    if (pt.kind == PlanTensorKind::kActivation) ctx->tensor_ptrs_[t] = arena + pt.arena_offset;
    if (pt.kind == PlanTensorKind::kConstant) {
      ctx->tensor_ptrs_[t] = const_cast<void*>(weight_ptrs_[pt.weight]);
    }
  }
  for (const PlanNode& node : plan_.nodes) {
    ctx->input_offsets_.push_back(ctx->node_inputs_.size());
    ctx->output_offsets_.push_back(ctx->node_outputs_.size());
    ctx->node_inputs_.resize(ctx->node_inputs_.size() + node.inputs.size());
    ctx->node_outputs_.resize(ctx->node_outputs_.size() + node.outputs.size());
  }
  ctx->graph_ = graph_;
  KILN_RETURN_IF_ERROR(ctx->SetOptimizationProfile(0));
  return ctx;
}

absl::Status ExecutionContext::SetOptimizationProfile(int profile) {
  const std::vector<ShapeProfile>& profiles = engine_->profiles_;
  if (profile < 0 || profile >= static_cast<int>(profiles.size())) {
    return absl::OutOfRangeError(absl::StrCat("optimization profile ", profile,
                                              " does not exist; the plan has ", profiles.size()));
  }
  profile_ = profile;
  input_dims_.clear();
  for (const InputShapeRange& range : profiles[profile].inputs) input_dims_.push_back(range.max);
  shapes_dirty_ = true;
  return absl::OkStatus();
}

absl::Status ExecutionContext::SetInputShape(int binding, const Dims& dims) {
  if (binding < 0 || binding >= engine_->num_inputs()) {
    return absl::OutOfRangeError(absl::StrCat("binding ", binding,
                                              " is not an input; the engine has ",
                                              engine_->num_inputs(), " inputs"));
  }
  KILN_RETURN_IF_ERROR(
      CheckInputShape(engine_->profiles_[profile_].inputs[binding], dims, profile_));
  if (input_dims_[binding] != dims) {
    input_dims_[binding] = dims;
    shapes_dirty_ = true;
  }
  return absl::OkStatus();
}

absl::Status ExecutionContext::SetInputShape(absl::string_view input, const Dims& dims) {
  const int binding = engine_->binding_index(input);
  if (binding < 0 || !engine_->is_input(binding)) {
    return absl::NotFoundError(absl::StrCat("the engine has no input named '", input, "'"));
  }
  return SetInputShape(binding, dims);
}

absl::Status ExecutionContext::SetBatch(int batch) {
  KILN_RETURN_IF_ERROR(engine_->CheckBatch(batch));
  for (int i = 0; i < engine_->num_inputs(); ++i) {
    if (!engine_->plan_.tensors[engine_->bindings_[i]].batched) continue;
    Dims dims = input_dims_[i];
    dims[0] = batch;
    KILN_RETURN_IF_ERROR(SetInputShape(i, dims));
  }
  return absl::OkStatus();
}

absl::Status ExecutionContext::UpdateShapes() {
  if (!shapes_dirty_) return shapes_status_;
  const Plan& plan = engine_->plan_;
  shapes_dirty_ = false;
  for (size_t i = 0; i < input_dims_.size(); ++i) {
    graph_.tensor(graph_.inputs()[i]).desc.dims = input_dims_[i];
  }
  // "input shapes 2x128, 2x128", for errors only.
  auto at = [this]() {
    return absl::StrCat("input shapes ",
                        absl::StrJoin(input_dims_, ", ", [](std::string* out, const Dims& d) {
                          absl::StrAppend(out, DimsString(d));
                        }));
  };
  shapes_status_ = ReinferShapes(graph_);
  if (!shapes_status_.ok()) {
    shapes_status_ = absl::InvalidArgumentError(
        absl::StrCat("the network cannot run at ", at(), ": ", shapes_status_.message()));
    return shapes_status_;
  }
  shapes_status_ = CheckFits(graph_, plan, at);
  if (!shapes_status_.ok()) return shapes_status_;
  // Assigned in place: after the first time the vectors and strings keep
  // their storage, so a change of shapes allocates nothing here.
  descs_.resize(graph_.num_tensors());
  for (int t = 0; t < graph_.num_tensors(); ++t) descs_[t] = graph_.tensor(t).desc;
  node_descs_.resize(plan.nodes.size());
  for (size_t n = 0; n < plan.nodes.size(); ++n) {
    const PlanNode& node = plan.nodes[n];
    NodeDescs& nd = node_descs_[n];
    nd.inputs.resize(node.inputs.size());
    nd.outputs.resize(node.outputs.size());
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] >= 0) nd.inputs[i] = descs_[node.inputs[i]];
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) nd.outputs[i] = descs_[node.outputs[i]];
  }
  return shapes_status_;
}

absl::StatusOr<TensorDesc> ExecutionContext::binding_desc(int binding) {
  if (binding < 0 || binding >= engine_->num_bindings()) {
    return absl::OutOfRangeError(absl::StrCat(
        "binding ", binding, " does not exist; the engine has ", engine_->num_bindings()));
  }
  KILN_RETURN_IF_ERROR(UpdateShapes());
  return descs_[engine_->bindings_[binding]];
}

absl::Status ExecutionContext::Execute(int batch, absl::Span<void* const> bindings) {
  KILN_RETURN_IF_ERROR(SetBatch(batch));
  return Execute(bindings);
}

absl::Status ExecutionContext::Execute(absl::Span<void* const> bindings) {
  KILN_RETURN_IF_ERROR(Enqueue(bindings, /*stream=*/nullptr, /*input_consumed_event=*/nullptr));
  return engine_->backend_->Synchronize(resources_.get());
}

absl::Status ExecutionContext::ExecuteFromHost(int batch, absl::Span<void* const> host_bindings) {
  KILN_RETURN_IF_ERROR(SetBatch(batch));
  return ExecuteFromHost(host_bindings);
}

absl::Status ExecutionContext::ExecuteFromHost(absl::Span<void* const> host_bindings) {
  const Engine& e = *engine_;
  if (e.backend_->host_memory()) return Execute(host_bindings);
  if (host_bindings.size() != e.bindings_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("got ", host_bindings.size(),
                                                   " bindings, the engine has ",
                                                   e.bindings_.size(), " (inputs then outputs)"));
  }
  KILN_RETURN_IF_ERROR(UpdateShapes());
  for (int i = 0; i < e.num_bindings(); ++i) {
    if (host_bindings[i] == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("binding ", i, " '", e.binding_name(i),
                                                     "' is null"));
    }
  }
  for (int i = 0; i < e.num_inputs(); ++i) {
    const size_t bytes = descs_[e.bindings_[i]].bytes();
    KILN_RETURN_IF_ERROR(e.backend_->CopyFromHost(staging_ptrs_[i], host_bindings[i], bytes));
  }
  KILN_RETURN_IF_ERROR(Execute(staging_ptrs_));
  for (int i = e.num_inputs(); i < e.num_bindings(); ++i) {
    const size_t bytes = descs_[e.bindings_[i]].bytes();
    KILN_RETURN_IF_ERROR(e.backend_->CopyToHost(host_bindings[i], staging_ptrs_[i], bytes));
  }
  return absl::OkStatus();
}

absl::Status ExecutionContext::Enqueue(int batch, absl::Span<void* const> bindings, void* stream,
                                       void* input_consumed_event) {
  KILN_RETURN_IF_ERROR(SetBatch(batch));
  return Enqueue(bindings, stream, input_consumed_event);
}

absl::Status ExecutionContext::Enqueue(absl::Span<void* const> bindings, void* stream,
                                       void* input_consumed_event) {
  const Engine& e = *engine_;
  KILN_RETURN_IF_ERROR(UpdateShapes());
  if (bindings.size() != e.bindings_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("got ", bindings.size(),
                                                   " bindings, the engine has ",
                                                   e.bindings_.size(), " (inputs then outputs)"));
  }
  for (size_t i = 0; i < bindings.size(); ++i) {
    // An empty tensor has no bytes to point at (cudaMalloc(0) gives null).
    if (bindings[i] == nullptr && descs_[e.bindings_[i]].bytes() > 0) {
      return absl::InvalidArgumentError(absl::StrCat("binding ", i, " '", e.binding_name(i),
                                                     "' is null"));
    }
    tensor_ptrs_[e.bindings_[i]] = bindings[i];
  }
  if (e.device_ >= 0) KILN_RETURN_IF_ERROR(e.backend_->SetDevice(e.device_));
  KILN_RETURN_IF_ERROR(e.backend_->SetStream(resources_.get(), stream));
  ++runs_;
  if (cuda_graphs_ && graph_error_.ok() && profiler_ == nullptr && observer_ == nullptr) {
    return EnqueueGraph(bindings, input_consumed_event);
  }
  graph_launched_ = false;
  return EnqueueLayers(input_consumed_event);
}

absl::Status ExecutionContext::EnqueueGraph(absl::Span<void* const> bindings,
                                            void* input_consumed_event) {
  const Backend& backend = *engine_->backend_;
  graph_launched_ = false;
  // The graph of these input shapes, or a new slot (the least recently used
  // one when all kMaxGraphs are taken).
  ShapeGraph* g = nullptr;
  for (ShapeGraph& each : graphs_) {
    if (each.shapes == input_dims_) g = &each;
  }
  if (g == nullptr) {
    if (graphs_.size() < kMaxGraphs) {
      graphs_.emplace_back();
      g = &graphs_.back();
    } else {
      g = &*std::min_element(
          graphs_.begin(), graphs_.end(),
          [](const ShapeGraph& a, const ShapeGraph& b) { return a.last_use < b.last_use; });
      *g = ShapeGraph{};
    }
    g->shapes = input_dims_;
  }
  g->last_use = runs_;
  if (g->graph == nullptr && !g->warmed_up) {
    g->warmed_up = true;
    return EnqueueLayers(input_consumed_event);
  }
  if (g->graph == nullptr || !std::equal(bindings.begin(), bindings.end(), g->bindings.begin())) {
    absl::StatusOr<std::unique_ptr<CapturedGraph>> captured = backend.Capture(
        resources_.get(), [&] { return EnqueueLayers(/*input_consumed_event=*/nullptr); },
        std::move(g->graph));
    if (!captured.ok()) {
      graph_error_ = captured.status();
      graphs_.clear();
      return EnqueueLayers(input_consumed_event);
    }
    g->graph = *std::move(captured);
    g->bindings.assign(bindings.begin(), bindings.end());
  }
  KILN_RETURN_IF_ERROR(backend.Replay(resources_.get(), *g->graph));
  graph_launched_ = true;
  return backend.RecordEvent(resources_.get(), input_consumed_event);
}

absl::Status ExecutionContext::EnqueueLayers(void* input_consumed_event) {
  const Engine& e = *engine_;
  const Plan& plan = e.plan_;
  // With no layer reading an input, the inputs are free at once.
  if (input_consumed_event != nullptr && e.last_input_reader_ < 0) {
    KILN_RETURN_IF_ERROR(e.backend_->RecordEvent(resources_.get(), input_consumed_event));
  }
  for (size_t n = 0; n < plan.nodes.size(); ++n) {
    const PlanNode& node = plan.nodes[n];
    const void** ins = node_inputs_.data() + input_offsets_[n];
    void** outs = node_outputs_.data() + output_offsets_[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      ins[i] = node.inputs[i] < 0 ? nullptr : tensor_ptrs_[node.inputs[i]];
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) outs[i] = tensor_ptrs_[node.outputs[i]];
    KernelArgs args;
    args.input_descs = node_descs_[n].inputs;
    args.output_descs = node_descs_[n].outputs;
    args.inputs = absl::MakeConstSpan(ins, node.inputs.size());
    args.outputs = absl::MakeConstSpan(outs, node.outputs.size());
    args.workspace = workspace_->data();
    args.workspace_size = node.workspace_size;
    args.resources = resources_.get();
    const Kernel& kernel = *e.kernels_[n];
    absl::Status status;
    if (profiler_ != nullptr) {
      absl::StatusOr<double> ms = e.backend_->TimeMs(resources_.get(), [&] { return kernel.Run(args); });
      status = ms.status();
      if (ms.ok()) profiler_->ReportLayerTime(node.name, node.tactic, *ms);
    } else {
      status = kernel.Run(args);
    }
    if (status.ok() && observer_ != nullptr) {
      status = e.backend_->Synchronize(resources_.get());
      if (status.ok()) {
        status = observer_->OnLayerDone(static_cast<int>(n), node, args.output_descs,
                                        args.outputs);
        if (!status.ok()) {
          status = absl::Status(status.code(),
                                absl::StrCat("layer observer: ", status.message()));
        }
      }
    }
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("layer '", node.name, "' (", node.tactic,
                                                      "): ", status.message()));
    }
    if (input_consumed_event != nullptr && static_cast<int>(n) == e.last_input_reader_) {
      KILN_RETURN_IF_ERROR(e.backend_->RecordEvent(resources_.get(), input_consumed_event));
    }
  }
  return absl::OkStatus();
}

}  // namespace kiln
