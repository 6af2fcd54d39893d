#include "runtime/engine.h"

#include "serialization/node_context.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "backends/tactic_registry.h"
#include "graph/graph.h"
#include "graph/network_definition.h"
#include "graph/status_macros.h"

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

  // Shapes for every batch size; at max batch they must match the plan.
  Graph graph = PlanGraph(p);
  engine->descs_.resize(p.max_batch);
  engine->batch_errors_.resize(p.max_batch);
  engine->node_descs_.resize(p.max_batch);
  for (int batch = p.max_batch; batch >= 1; --batch) {
    bool any_batched = false;
    for (TensorId t : graph.inputs()) {
      Tensor& tensor = graph.tensor(t);
      if (!tensor.batched) continue;
      tensor.desc.dims[0] = batch;
      any_batched = true;
    }
    if (!any_batched && p.max_batch != 1) return Mismatch("max batch > 1 without batched inputs");
    absl::Status status = ReinferShapes(graph);
    if (!status.ok()) {
      if (batch == p.max_batch) return Mismatch(status.message());
      engine->batch_errors_[batch - 1] = std::string(status.message());
      continue;
    }
    std::vector<TensorDesc>& descs = engine->descs_[batch - 1];
    for (int t = 0; t < graph.num_tensors(); ++t) {
      const TensorDesc& desc = graph.tensor(t).desc;
      if (batch == p.max_batch && !(desc == p.tensors[t].desc)) {
        return Mismatch(absl::StrCat("tensor '", p.tensors[t].desc.name, "' is ",
                                     desc.ToString(), " by shape inference, ",
                                     p.tensors[t].desc.ToString(), " in the plan"));
      }
      // Memory is planned at max batch; a tensor that grows as the batch
      // shrinks (e.g. a slice counted from the end of the batch axis) makes
      // that batch size unusable, not the plan.
      if (desc.bytes() > p.tensors[t].desc.bytes()) {
        engine->batch_errors_[batch - 1] =
            absl::StrCat("tensor '", desc.name, "' would be ", desc.ToString(),
                         ", larger than at the max batch (", p.tensors[t].desc.ToString(), ")");
        descs.clear();
        break;
      }
      descs.push_back(desc);
    }
    if (descs.empty()) continue;
    for (const PlanNode& node : p.nodes) {
      NodeDescs nd;
      for (int32_t t : node.inputs) nd.inputs.push_back(t < 0 ? TensorDesc{} : descs[t]);
      for (int32_t t : node.outputs) nd.outputs.push_back(descs[t]);
      engine->node_descs_[batch - 1].push_back(std::move(nd));
    }
  }

  for (const PlanNode& node : p.nodes) {
    const Tactic* tactic = TacticRegistry::Global().Find(node.tactic);
    if (tactic == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "layer '", node.name, "' uses tactic '", node.tactic,
          "', which does not exist in this build; load the plugin that provides it"));
    }
    const NodeContext ctx = NodeContextFromPlan(p, node);
    absl::Status supported = tactic->Supports(ctx);
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
  if (batch < 1 || batch > plan_.max_batch) {
    return absl::OutOfRangeError(absl::StrCat("batch ", batch, " is outside 1..",
                                              plan_.max_batch, " (the plan's max batch)"));
  }
  if (descs_[batch - 1].empty()) {
    return absl::InvalidArgumentError(absl::StrCat("the network cannot run at batch ", batch,
                                                   ": ", batch_errors_[batch - 1]));
  }
  return descs_[batch - 1][bindings_[binding]];
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
                            backend_->Allocate(plan_.tensors[t].desc.bytes()));
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
  ctx->graphs_.resize(plan_.max_batch);
  for (const PlanNode& node : plan_.nodes) {
    ctx->input_offsets_.push_back(ctx->node_inputs_.size());
    ctx->output_offsets_.push_back(ctx->node_outputs_.size());
    ctx->node_inputs_.resize(ctx->node_inputs_.size() + node.inputs.size());
    ctx->node_outputs_.resize(ctx->node_outputs_.size() + node.outputs.size());
  }
  return ctx;
}

absl::Status ExecutionContext::Execute(int batch, absl::Span<void* const> bindings) {
  KILN_RETURN_IF_ERROR(Enqueue(batch, bindings, /*stream=*/nullptr,
                               /*input_consumed_event=*/nullptr));
  return engine_->backend_->Synchronize(resources_.get());
}

absl::Status ExecutionContext::ExecuteFromHost(int batch, absl::Span<void* const> host_bindings) {
  const Engine& e = *engine_;
  if (e.backend_->host_memory()) return Execute(batch, host_bindings);
  if (host_bindings.size() != e.bindings_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("got ", host_bindings.size(),
                                                   " bindings, the engine has ",
                                                   e.bindings_.size(), " (inputs then outputs)"));
  }
  // Execute checks the batch; sizes below come from the checked descs.
  if (batch < 1 || batch > e.plan_.max_batch || e.descs_[batch - 1].empty()) {
    return Execute(batch, staging_ptrs_);
  }
  for (int i = 0; i < e.num_inputs(); ++i) {
    if (host_bindings[i] == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("binding ", i, " '", e.binding_name(i),
                                                     "' is null"));
    }
    const size_t bytes = e.descs_[batch - 1][e.bindings_[i]].bytes();
    KILN_RETURN_IF_ERROR(e.backend_->CopyFromHost(staging_ptrs_[i], host_bindings[i], bytes));
  }
  KILN_RETURN_IF_ERROR(Execute(batch, staging_ptrs_));
  for (int i = e.num_inputs(); i < e.num_bindings(); ++i) {
    if (host_bindings[i] == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("binding ", i, " '", e.binding_name(i),
                                                     "' is null"));
    }
    const size_t bytes = e.descs_[batch - 1][e.bindings_[i]].bytes();
    KILN_RETURN_IF_ERROR(e.backend_->CopyToHost(host_bindings[i], staging_ptrs_[i], bytes));
  }
  return absl::OkStatus();
}

absl::Status ExecutionContext::Enqueue(int batch, absl::Span<void* const> bindings, void* stream,
                                       void* input_consumed_event) {
  const Engine& e = *engine_;
  const Plan& plan = e.plan_;
  if (batch < 1 || batch > plan.max_batch) {
    return absl::OutOfRangeError(absl::StrCat("batch ", batch, " is outside 1..", plan.max_batch,
                                              " (the plan's max batch); rebuild with a larger "
                                              "BuildConfig.max_batch"));
  }
  if (e.descs_[batch - 1].empty()) {
    return absl::InvalidArgumentError(absl::StrCat("the network cannot run at batch ", batch, ": ",
                                                   e.batch_errors_[batch - 1]));
  }
  if (bindings.size() != e.bindings_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("got ", bindings.size(),
                                                   " bindings, the engine has ",
                                                   e.bindings_.size(), " (inputs then outputs)"));
  }
  for (size_t i = 0; i < bindings.size(); ++i) {
    // An empty tensor has no bytes to point at (cudaMalloc(0) gives null).
    if (bindings[i] == nullptr && e.descs_[batch - 1][e.bindings_[i]].bytes() > 0) {
      return absl::InvalidArgumentError(absl::StrCat("binding ", i, " '", e.binding_name(i),
                                                     "' is null"));
    }
    tensor_ptrs_[e.bindings_[i]] = bindings[i];
  }
  if (e.device_ >= 0) KILN_RETURN_IF_ERROR(e.backend_->SetDevice(e.device_));
  KILN_RETURN_IF_ERROR(e.backend_->SetStream(resources_.get(), stream));
  if (cuda_graphs_ && graph_error_.ok() && profiler_ == nullptr && observer_ == nullptr) {
    return EnqueueGraph(batch, bindings, input_consumed_event);
  }
  graph_launched_ = false;
  return EnqueueLayers(batch, input_consumed_event);
}

absl::Status ExecutionContext::EnqueueGraph(int batch, absl::Span<void* const> bindings,
                                            void* input_consumed_event) {
  const Backend& backend = *engine_->backend_;
  BatchGraph& g = graphs_[batch - 1];
  graph_launched_ = false;
  if (g.graph == nullptr && !g.warmed_up) {
    g.warmed_up = true;
    return EnqueueLayers(batch, input_consumed_event);
  }
  if (g.graph == nullptr || !std::equal(bindings.begin(), bindings.end(), g.bindings.begin())) {
    absl::StatusOr<std::unique_ptr<CapturedGraph>> captured = backend.Capture(
        resources_.get(), [&] { return EnqueueLayers(batch, /*input_consumed_event=*/nullptr); },
        std::move(g.graph));
    if (!captured.ok()) {
      graph_error_ = captured.status();
      for (BatchGraph& each : graphs_) each.graph.reset();
      return EnqueueLayers(batch, input_consumed_event);
    }
    g.graph = *std::move(captured);
    g.bindings.assign(bindings.begin(), bindings.end());
  }
  KILN_RETURN_IF_ERROR(backend.Replay(resources_.get(), *g.graph));
  graph_launched_ = true;
  return backend.RecordEvent(resources_.get(), input_consumed_event);
}

absl::Status ExecutionContext::EnqueueLayers(int batch, void* input_consumed_event) {
  const Engine& e = *engine_;
  const Plan& plan = e.plan_;
  // With no layer reading an input, the inputs are free at once.
  if (input_consumed_event != nullptr && e.last_input_reader_ < 0) {
    KILN_RETURN_IF_ERROR(e.backend_->RecordEvent(resources_.get(), input_consumed_event));
  }
  const std::vector<Engine::NodeDescs>& node_descs = e.node_descs_[batch - 1];
  for (size_t n = 0; n < plan.nodes.size(); ++n) {
    const PlanNode& node = plan.nodes[n];
    const void** ins = node_inputs_.data() + input_offsets_[n];
    void** outs = node_outputs_.data() + output_offsets_[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      ins[i] = node.inputs[i] < 0 ? nullptr : tensor_ptrs_[node.inputs[i]];
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) outs[i] = tensor_ptrs_[node.outputs[i]];
    KernelArgs args;
    args.input_descs = node_descs[n].inputs;
    args.output_descs = node_descs[n].outputs;
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
