#ifndef KILN_BENCH_E2E_E2E_CASE_H_
#define KILN_BENCH_E2E_E2E_CASE_H_

// One case of the end-to-end benchmark (bench/e2e/e2e_bench.cc): a network
// exported from PyTorch to ONNX (bench/e2e/export_models.py), imported, built
// for one precision and batch, saved as a plan, loaded back and run, the way
// a user of kiln does it:
//
//   ImportOnnxFile -> Builder::Build (twice: cold, then with the timing cache
//   the first build filled) -> PlanWriter::Write -> Runtime::Deserialize ->
//   Engine::CreateExecutionContext -> Backend::Allocate per binding ->
//   CopyFromHost(input) -> ExecutionContext::Enqueue -> CopyToHost(output)
//
// The output of the first run is checked against PyTorch's fp32 logits
// (bench/e2e/accuracy.h), and again after the warm-up runs: with CUDA graphs
// on, the first run is eager and the warm-up captures and replays the graph,
// so the second check is of the replayed graph. After that, a timed run is
// one Enqueue on device-resident bindings, timed with the backend's TimeMs
// (CUDA events on the stream the network is enqueued on, for cuda).
//
// Files in the models folder, per model and batch (export_models.py):
//   <model>.onnx                 opset 17, dynamic batch
//   <model>.b<batch>.input.npy   fp32 (batch, 3, 224, 224)
//   <model>.b<batch>.ref.npy     fp32 (batch, classes): PyTorch's logits

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"
#include "bench/e2e/accuracy.h"
#include "runtime/engine.h"
#include "graph/logger.h"

namespace kiln {
namespace bench {

struct CaseSpec {
  std::string model;      // "resnet50"
  std::string precision;  // "fp32", "tf32" or "fp16"
  int batch = 1;

  // "e2e/resnet50/fp16/b128"
  std::string Name() const;
  // "resnet50.fp16.b128", for file names
  std::string FileStem() const;
};

struct CaseOptions {
  std::string models_dir;
  std::string backend = "cpu_ref";
  // Where to write <model>.<precision>.b<batch>.plan; empty = nowhere.
  std::string plans_dir;
  // When set, each case's filled timing cache goes to this path with the
  // case's stem put before the extension (cache.bin ->
  // cache.resnet50.fp16.b128.bin), for `kiln build --timing-cache`.
  std::string timing_cache_path;
  uint64_t workspace_bytes = 256ull << 20;  // kiln build's default
  int timing_iterations = 5;                // BuildConfig's default
  int warmup_runs = 10;                     // untimed Enqueues after the check
  // ExecutionContext::set_cuda_graphs: replay the network as one CUDA graph
  // (the runtime's default; no effect on backends without graphs).
  bool cuda_graphs = true;
  Logger* logger = nullptr;  // build log; nullptr = silent
  bool verbose = false;      // a line per layer while building
};

std::string ModelPath(const std::string& dir, const std::string& model);
std::string InputPath(const std::string& dir, const std::string& model, int batch);
std::string ReferencePath(const std::string& dir, const std::string& model, int batch);

// "cache.bin", "resnet50.fp16.b128" -> "cache.resnet50.fp16.b128.bin".
std::string PerCasePath(const std::string& path, const std::string& stem);

// A built, loaded and checked case, ready to be timed.
class PreparedCase {
 public:
  // Fails when a file is missing or malformed, the model does not import or
  // build, or the first run fails. An output outside the accuracy bound is
  // no error here: accuracy() and violation() say so.
  static absl::StatusOr<std::unique_ptr<PreparedCase>> Create(const CaseSpec& spec,
                                                              const CaseOptions& options);
  ~PreparedCase();

  // Milliseconds of one Enqueue of the whole network, measured the backend's
  // way (CUDA events on the enqueue stream for cuda; wall clock for cpu_ref).
  absl::StatusOr<double> TimeOneRunMs();

  // Compares the output bindings as they are now with the reference. Create
  // leaves them NaN, so after timed runs this checks what those runs wrote.
  absl::StatusOr<LogitsComparison> CheckCurrentOutput() const;

  const CaseSpec& spec() const { return spec_; }
  const LogitsComparison& accuracy() const { return accuracy_; }
  const AccuracyBound& bound() const { return bound_; }
  // Empty when the output of the first run and the output after the warm-up
  // are within the bound; else why not (the first failure's comparison is
  // accuracy()).
  const std::string& violation() const { return violation_; }
  // Whether the runs after the warm-up replay a CUDA graph, and if graphs
  // were asked for but not used, why (empty otherwise).
  bool cuda_graph_active() const { return cuda_graph_active_; }
  const std::string& cuda_graph_note() const { return cuda_graph_note_; }
  double build_s_cold() const { return build_s_cold_; }
  double build_s_warm() const { return build_s_warm_; }
  int layers() const { return static_cast<int>(engine_->plan().nodes.size()); }
  const Engine& engine() const { return *engine_; }

 private:
  PreparedCase() = default;
  absl::Status FillOutputsWithNaN();
  absl::StatusOr<std::vector<float>> OutputFloats() const;

  CaseSpec spec_;
  std::vector<float> reference_;
  AccuracyBound bound_;
  LogitsComparison accuracy_;
  std::string violation_;
  double build_s_cold_ = 0;
  double build_s_warm_ = 0;
  bool cuda_graph_active_ = false;
  std::string cuda_graph_note_;
  // Declared in the order they are made, so they are destroyed in reverse:
  // buffers and the context before the engine they belong to.
  std::unique_ptr<Engine> engine_;
  const Backend* backend_ = nullptr;
  std::unique_ptr<ExecutionContext> context_;
  std::unique_ptr<ExecutionResources> timing_;          // the stream and events TimeMs uses
  void* stream_ = nullptr;                              // timing_'s stream (nullptr on the host)
  std::vector<std::unique_ptr<DeviceBuffer>> buffers_;  // per binding
  std::vector<void*> bindings_;                         // per binding
  std::vector<TensorDesc> descs_;                       // per binding, at spec_.batch
};

}  // namespace bench
}  // namespace kiln

#endif  // KILN_BENCH_E2E_E2E_CASE_H_
