#ifndef KILN_RUNTIME_ENGINE_H_
#define KILN_RUNTIME_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "backends/backend.h"
#include "backends/tactic.h"
#include "graph/graph.h"
#include "graph/shape_profile.h"
#include "runtime/profiler.h"
#include "serialization/plan.h"

namespace kiln {

class ExecutionContext;

// Sees every layer's outputs as the context runs (debugging, per-layer checks
// such as `kiln check`). With an observer set, the context runs eagerly (no
// CUDA graph) and waits for each layer before calling it, so `outputs` (backend
// memory) can be read with Backend::CopyToHost.
class LayerObserver {
 public:
  virtual ~LayerObserver() = default;
  // Called after plan node `index` ran at `batch`; an error stops the run and is returned by Enqueue/Execute.
  virtual absl::Status OnLayerDone(int index, const PlanNode& node, absl::Span<const TensorDesc> output_descs,
                                   absl::Span<void* const> outputs) = 0;
};

// A loaded plan: kernels bound to their nodes, weights in backend memory.
// Immutable once created and safe to share between threads; each thread
// runs it through its own ExecutionContext.
class Engine {
 public:
  // Binds every node's tactic and checks the plan's shapes (with profiles:
  // at every corner of every profile).
  static absl::StatusOr<std::unique_ptr<Engine>> Create(Plan plan);

  absl::StatusOr<std::unique_ptr<ExecutionContext>> CreateExecutionContext() const;

  // Bindings: the network inputs in definition order, then the outputs.
  int num_bindings() const { return static_cast<int>(bindings_.size()); }
  int num_inputs() const { return static_cast<int>(plan_.inputs.size()); }
  bool is_input(int binding) const { return binding < num_inputs(); }
  // -1 when there is no binding of that name.
  int binding_index(absl::string_view name) const;
  const std::string& binding_name(int binding) const;
  // The binding's shape and type for `batch` (1 <= batch <= max_batch):
  // batched inputs at that batch, every other input dim as at the first
  // profile's max (for shapes beyond the batch, ExecutionContext::binding_desc
  // after SetInputShape).
  absl::StatusOr<TensorDesc> binding_desc(int binding, int batch) const;

  int max_batch() const { return plan_.max_batch; }
  // The plan's optimization profiles; a plan built without any has one made
  // from its max batch (batched inputs 1..max_batch, other dims fixed).
  const std::vector<ShapeProfile>& profiles() const { return profiles_; }
  // The device the engine was created on (Backend::CurrentDevice(); -1 for
  // single-device backends). Its contexts run there whatever thread calls.
  int device() const { return device_; }
  const Plan& plan() const { return plan_; }
  const Backend& backend() const { return *backend_; }

 private:
  friend class ExecutionContext;
  Engine() = default;
  // Makes graph_ and profiles_ and checks the plan's shapes against them.
  absl::Status CheckShapes();
  // OK when 1 <= batch <= max_batch.
  absl::Status CheckBatch(int batch) const;

  Plan plan_;
  const Backend* backend_ = nullptr;
  int device_ = -1;
  // The last node (in execution order) that reads a network input; after it
  // runs the inputs may be overwritten. -1 when no node reads one.
  int last_input_reader_ = -1;
  std::vector<int32_t> bindings_;                        // tensor index per binding
  std::vector<std::unique_ptr<Kernel>> kernels_;          // per node
  std::vector<std::unique_ptr<DeviceBuffer>> weights_;   // per plan weight, on the backend
  std::vector<const void*> weight_ptrs_;                 // per plan weight
  std::vector<ShapeProfile> profiles_;
  // The plan as a graph, for shape inference at the shapes of each run.
  Graph graph_;
};

// Per-thread state for running an Engine: the activation arena, workspace
// and backend resources. Not thread-safe itself; make one per thread.
class ExecutionContext {
 public:
  // Runs the network for `batch` samples: sets dim 0 of every batched input
  // to `batch` (other dims stay as last set) and runs. `bindings[i]` points
  // at binding i's memory (backend memory; host memory for cpu_ref),
  // contiguous, in the binding's dtype, sized for its shape. Synchronous:
  // Enqueue on the context's own stream, then wait for it.
  absl::Status Execute(int batch, absl::Span<void* const> bindings);
  // Same at the input shapes set with SetInputShape (by default, the first
  // profile's max: the max batch for a plan built without profiles).
  absl::Status Execute(absl::Span<void* const> bindings);

  // Enqueues the network on `stream` (a cudaStream_t for cuda, as void* so
  // this header needs no CUDA; nullptr = the context's own stream) and
  // returns without waiting for it. When `input_consumed_event` is not null
  // (a cudaEvent_t) it is recorded on the stream once the last layer that
  // reads a network input has been enqueued: after it completes the input
  // bindings may be refilled. Host backends accept only nullptr for both and
  // run synchronously. A profiler or a layer observer makes every layer
  // synchronous (the one times each layer, the other reads its outputs).
  // When the run is a CUDA graph launch (see set_cuda_graphs), the event is
  // recorded right after the launch, so it is signalled only once the whole
  // graph has finished: later than eagerly, never too early.
  absl::Status Enqueue(int batch, absl::Span<void* const> bindings, void* stream,
                       void* input_consumed_event);
  // Same at the input shapes set with SetInputShape. The shapes of every
  // other tensor are inferred from them when they change, not per call.
  absl::Status Enqueue(absl::Span<void* const> bindings, void* stream, void* input_consumed_event);

  // Dynamic shapes. The profile whose ranges the input shapes must lie in
  // (0 until set); choosing one resets every input to its max shape.
  absl::Status SetOptimizationProfile(int profile);
  int optimization_profile() const { return profile_; }
  // The shape input `binding` has in the next runs. Refused, naming the
  // input, the dim and the range, when it is outside the profile.
  absl::Status SetInputShape(int binding, const Dims& dims);
  absl::Status SetInputShape(absl::string_view input, const Dims& dims);
  // Sets dim 0 of every batched input to `batch` (1..max_batch), other dims
  // as they are: what Execute(batch, ...) does before it runs.
  absl::Status SetBatch(int batch);
  // Any binding's shape and type at the current input shapes (an output's
  // inferred from them); an error when the network cannot run at them.
  absl::StatusOr<TensorDesc> binding_desc(int binding);

  // Execute for callers whose data is in host memory whatever the backend:
  // inputs are copied to the device, outputs back, through staging buffers
  // the context allocated when it was created (for cpu_ref this is Execute).
  absl::Status ExecuteFromHost(int batch, absl::Span<void* const> host_bindings);
  // Same at the input shapes set with SetInputShape.
  absl::Status ExecuteFromHost(absl::Span<void* const> host_bindings);

  void set_profiler(Profiler* profiler) { profiler_ = profiler; }
  // nullptr = none. The observer must outlive the runs it watches.
  void set_layer_observer(LayerObserver* observer) { observer_ = observer; }

  // CUDA graphs, on by default. Enqueue then records the layers into one
  // graph per set of input shapes (the most recent kMaxGraphs are kept) and
  // replays it with a single launch: the first run at a shape is eager
  // (libraries finish their lazy setup, which a capture cannot hold), the
  // second captures, later ones replay. New binding pointers update the
  // graph in place (cudaGraphExecUpdate) or capture it again. Graphs are
  // not used while a profiler or a layer observer is set, nor on backends
  // that have none (cpu_ref). When a capture fails (a layer synchronizes or
  // allocates) the context runs eagerly from then on;
  // cuda_graph_error() says why. Turning graphs off keeps the graphs made
  // so far for when they are turned on again.
  void set_cuda_graphs(bool on) { cuda_graphs_ = on; }
  // True when the last Enqueue ran the network as one graph launch.
  bool cuda_graphs_active() const { return graph_launched_; }
  // Why this context gave up graphs for good; OK while it has not.
  const absl::Status& cuda_graph_error() const { return graph_error_; }
  const Engine& engine() const { return *engine_; }

 private:
  friend class Engine;
  explicit ExecutionContext(const Engine* engine) : engine_(engine) {}

  // Infers every tensor's shape from the input shapes when they changed.
  absl::Status UpdateShapes();
  // Enqueues every layer on the current stream, one by one.
  absl::Status EnqueueLayers(void* input_consumed_event);
  // Runs the network as the current shapes' graph, capturing or updating it
  // first when needed; falls back to EnqueueLayers.
  absl::Status EnqueueGraph(absl::Span<void* const> bindings, void* input_consumed_event);

  const Engine* engine_;
  std::unique_ptr<DeviceBuffer> arena_;
  // Device copies of every binding at max batch, for ExecuteFromHost on a
  // backend that does not run on host memory; empty otherwise.
  std::vector<std::unique_ptr<DeviceBuffer>> staging_;
  std::vector<void*> staging_ptrs_;
  std::unique_ptr<DeviceBuffer> workspace_;
  std::unique_ptr<ExecutionResources> resources_;
  Profiler* profiler_ = nullptr;
  LayerObserver* observer_ = nullptr;
  // Shapes: the context's copy of the plan graph, the profile and input
  // shapes in use, and (when shapes_dirty_ is false) every tensor's desc at
  // them, laid out per node as kernels take them.
  Graph graph_;
  int profile_ = 0;
  std::vector<Dims> input_dims_;  // per input binding
  bool shapes_dirty_ = true;
  absl::Status shapes_status_;     // why the current shapes cannot run
  std::vector<TensorDesc> descs_;  // per plan tensor
  struct NodeDescs {
    std::vector<TensorDesc> inputs;
    std::vector<TensorDesc> outputs;
  };
  std::vector<NodeDescs> node_descs_;  // per plan node
  // CUDA graphs: per set of input shapes, the graph and the bindings it was
  // captured with. At most kMaxGraphs are kept; the least recently used
  // goes first.
  static constexpr size_t kMaxGraphs = 64;
  struct ShapeGraph {
    std::vector<Dims> shapes;
    bool warmed_up = false;  // ran eagerly once at these shapes
    std::unique_ptr<CapturedGraph> graph;
    std::vector<void*> bindings;
    uint64_t last_use = 0;
  };
  std::vector<ShapeGraph> graphs_;
  uint64_t runs_ = 0;
  bool cuda_graphs_ = true;
  bool graph_launched_ = false;
  absl::Status graph_error_;
  // Scratch reused by every Execute so running allocates nothing.
  std::vector<void*> tensor_ptrs_;
  std::vector<const void*> node_inputs_;   // all nodes' inputs, flat
  std::vector<void*> node_outputs_;        // all nodes' outputs, flat
  std::vector<size_t> input_offsets_;      // per node, into node_inputs_
  std::vector<size_t> output_offsets_;     // per node, into node_outputs_
};

}  // namespace kiln

#endif  // KILN_RUNTIME_ENGINE_H_
