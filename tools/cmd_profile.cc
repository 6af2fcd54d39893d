// kiln profile: per-layer times through the runtime's Profiler interface.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <chrono>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "runtime/chrome_trace.h"
#include "runtime/profiler.h"
#include "tools/commands.h"

// Defined in tools/cmd_run.cc.
ABSL_DECLARE_FLAG(bool, cuda_graph);
ABSL_DECLARE_FLAG(std::string, shapes);

ABSL_FLAG(std::string, trace, "",
          "kiln profile: also write a Chrome trace (chrome://tracing, Perfetto) of the "
          "profiled runs to this file: one span per layer with its tactic, one track per run");

namespace kiln {
namespace cli {
namespace {

constexpr char kName[] = "kiln profile";

// Sums each layer's reported time over the profiled runs (and passes each
// report on to `next`, when set).
class SummingProfiler : public Profiler {
 public:
  explicit SummingProfiler(Profiler* next = nullptr) : next_(next) {}

  struct Layer {
    std::string name;
    std::string tactic;
    double total_ms = 0.0;
    int calls = 0;
  };

  void ReportLayerTime(absl::string_view layer, absl::string_view tactic, double ms) override {
    auto [it, inserted] = index_.emplace(std::string(layer), layers_.size());
    if (inserted) layers_.push_back({std::string(layer), std::string(tactic)});
    layers_[it->second].total_ms += ms;
    ++layers_[it->second].calls;
    if (next_ != nullptr) next_->ReportLayerTime(layer, tactic, ms);
  }
  const std::vector<Layer>& layers() const { return layers_; }

 private:
  Profiler* next_;
  std::map<std::string, size_t> index_;
  std::vector<Layer> layers_;
};

int Run(const Args& args) {
  if (args.positional.size() != 1) {
    return Fail(kName,
                args.positional.empty() ? "missing MODEL.plan; see 'kiln help profile'"
                                        : absl::StrCat("expected one plan, got ", args.positional.size()),
                kExitUsage);
  }
  const std::string& path = args.positional[0];
  const int iterations = absl::GetFlag(FLAGS_iterations) > 0 ? absl::GetFlag(FLAGS_iterations) : 20;
  if (absl::GetFlag(FLAGS_batch) < 0 || absl::GetFlag(FLAGS_warmup) < 0 ||
      absl::GetFlag(FLAGS_iterations) < 0) {
    return Fail(kName, "--batch, --iterations and --warmup must be >= 0", kExitUsage);
  }
  absl::StatusOr<std::unique_ptr<Engine>> loaded = LoadEngine(path, absl::GetFlag(FLAGS_batch));
  if (!loaded.ok()) return Fail(kName, loaded.status());
  const Engine& engine = **loaded;
  const int batch = absl::GetFlag(FLAGS_batch) > 0 ? absl::GetFlag(FLAGS_batch) : engine.max_batch();
  if (batch > engine.max_batch()) {
    return Fail(kName, absl::StrCat("batch ", batch, " is above the plan's max batch ",
                                    engine.max_batch()), kExitFailure);
  }
  absl::StatusOr<std::unique_ptr<ExecutionContext>> context = engine.CreateExecutionContext();
  if (!context.ok()) return Fail(kName, context.status());
  (*context)->set_cuda_graphs(absl::GetFlag(FLAGS_cuda_graph));
  // A profile plan at --shapes (others at the first profile's max), then the batch.
  absl::StatusOr<std::map<std::string, Dims>> shapes = ParseShapes(absl::GetFlag(FLAGS_shapes));
  if (!shapes.ok()) return Fail(kName, shapes.status().message(), kExitUsage);
  if (!shapes->empty() && engine.plan().profiles.empty()) {
    return Fail(kName, "--shapes needs a plan built with --profile; this one varies only the "
                       "batch (use --batch)", kExitUsage);
  }
  for (const auto& [name, dims] : *shapes) {
    if (absl::Status s = (*context)->SetInputShape(name, dims); !s.ok()) return Fail(kName, s);
  }
  if (absl::GetFlag(FLAGS_batch) > 0 || shapes->empty()) {
    if (absl::Status s = (*context)->SetBatch(batch); !s.ok()) return Fail(kName, s);
  }
  absl::StatusOr<BindingBuffers> buffers = AllocateBindings(**context, {}, /*seed=*/1);
  if (!buffers.ok()) return Fail(kName, buffers.status());
  std::string at = absl::StrCat("batch ", batch);
  if (!shapes->empty()) {
    at = "input shapes ";
    for (int i = 0; i < engine.num_inputs(); ++i) {
      absl::StrAppend(&at, i ? "," : "", engine.binding_name(i), ":",
                      DimsString(buffers->descs[i].dims));
    }
  }

  for (int i = 0; i < absl::GetFlag(FLAGS_warmup); ++i) {
    if (absl::Status s = (*context)->Execute(buffers->pointers); !s.ok()) {
      return Fail(kName, s);
    }
  }
  const std::string trace_path = absl::GetFlag(FLAGS_trace);
  ChromeTraceProfiler trace;
  for (const PlanNode& node : engine.plan().nodes) trace.SetOp(node.name, node.op);
  SummingProfiler profiler(trace_path.empty() ? nullptr : &trace);
  (*context)->set_profiler(&profiler);
  for (int i = 0; i < iterations; ++i) {
    trace.BeginRun(absl::StrCat("run ", i + 1, " (", at, ")"));
    if (absl::Status s = (*context)->Execute(buffers->pointers); !s.ok()) {
      return Fail(kName, s);
    }
  }
  if (!trace_path.empty()) {
    if (absl::Status s = trace.Write(trace_path); !s.ok()) return Fail(kName, s);
  }
  // The same runs without the profiler (as a CUDA graph unless
  // --cuda-graph=false), for the latency the per-layer sum stands for.
  (*context)->set_profiler(nullptr);
  std::vector<double> whole_ms;
  for (int i = 0; i < iterations + 2; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (absl::Status s = (*context)->Execute(buffers->pointers); !s.ok()) {
      return Fail(kName, s);
    }
    const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
    if (i >= 2) whole_ms.push_back(ms.count());  // after the eager run and the capture
  }
  std::sort(whole_ms.begin(), whole_ms.end());

  std::map<std::string, std::string> op_of;
  for (const PlanNode& node : engine.plan().nodes) op_of[node.name] = node.op;
  std::vector<SummingProfiler::Layer> layers = profiler.layers();
  std::stable_sort(layers.begin(), layers.end(),
                   [](const auto& a, const auto& b) { return a.total_ms > b.total_ms; });
  double total = 0.0;
  for (const auto& l : layers) total += l.total_ms / std::max(1, l.calls);

  std::printf("per-layer time of %s on %s at %s, average of %d runs, slowest first\n",
              path.c_str(), engine.plan().backend.c_str(), at.c_str(), iterations);
  std::printf("  %-24s %-18s %-34s %10s %7s %7s\n", "layer", "op", "tactic", "ms", "%", "cum %");
  double cumulative = 0.0;
  for (const auto& l : layers) {
    const double ms = l.total_ms / std::max(1, l.calls);
    cumulative += ms;
    std::printf("  %-24s %-18s %-34s %10.4f %6.1f%% %6.1f%%\n", l.name.c_str(),
                op_of[l.name].c_str(), l.tactic.c_str(), ms, total > 0 ? 100 * ms / total : 0.0,
                total > 0 ? 100 * cumulative / total : 0.0);
  }
  std::printf("  %-24s %-18s %-34s %10.4f %6.1f%%\n", "total (sum of layers)", "", "", total,
              100.0);
  const char* how = engine.backend().host_memory() ? ""
                    : (*context)->cuda_graphs_active() ? ", CUDA graph"
                                                       : ", eager";
  std::printf("whole run without the profiler%s: median %.4f ms\n", how,
              whole_ms[whole_ms.size() / 2]);
  if (!trace_path.empty()) {
    std::printf("Chrome trace of the %d profiled runs (%zu spans): %s\n", iterations,
                trace.num_spans(), trace_path.c_str());
  }
  return kExitOk;
}

}  // namespace

const Command& ProfileCommand() {
  static const Command command{
      "profile",
      "kiln profile MODEL.plan [--iterations=N] [--batch=N] [--shapes=NAME:DIMS,...] "
      "[--trace=FILE]",
      "Time every layer of a plan; print a table, slowest first.",
      "Runs the plan on random inputs with the runtime's per-layer profiler and prints\n"
      "each layer's average time, its share of the total and the running share, so the\n"
      "layers worth optimizing are at the top. Profiling times layers one by one, so the\n"
      "total is a little above the latency 'kiln run' reports. Profiled runs are eager;\n"
      "the whole run is then timed without the profiler, as a CUDA graph on cuda unless\n"
      "--cuda-graph=false, to compare with the sum. --trace=FILE also writes the profiled\n"
      "runs as a Chrome trace (open it in chrome://tracing or ui.perfetto.dev): one span\n"
      "per layer, named by layer with its tactic and op; gaps are host time between layers.\n",
      {"iterations", "warmup", "batch", "shapes", "backend", "cuda_graph", "trace"},
      Run,
  };
  return command;
}

}  // namespace cli
}  // namespace kiln
