// End-to-end benchmark of kiln on real networks: torchvision models exported
// to ONNX on the GPU machine (bench/e2e/export_models.py), imported, built
// (cold, then with a warm timing cache), saved as a plan, loaded, checked
// against PyTorch's fp32 logits and timed. One Google Benchmark per
//   e2e/<model>/<precision>/b<batch>
// with manual time (the backend's TimeMs around one ExecutionContext::Enqueue
// on device-resident bindings: CUDA events for cuda), items_per_second =
// images per second, and the counters rel_l2, top1_agree, accuracy_ok,
// build_s_cold, build_s_warm, layers and cuda_graph (1 when the timed runs
// replay a CUDA graph: --cuda_graph, on by default as in the runtime).
//
//   e2e_bench --models_dir=DIR [--models=resnet50,googlenet,mobilenet_v2]
//       [--precisions=fp32,fp16] [--batches=1,128] [--backend=cuda]
//       [--summary=FILE.jsonl] [--plans_dir=DIR] [--timing_cache=FILE]
//       [--time_budget_s=S] [--cuda_graph=true|false] [--benchmark_repetitions=3]
//       [--benchmark_out=FILE.json --benchmark_out_format=json]
//
// Accuracy (bench/e2e/accuracy.h): fp32 rel-L2 <= 1e-5; fp16 and tf32
// rel-L2 <= 1e-2 and the same top-1 (each bound widened to 1.25x the peer's
// own error at that precision where export_models.py measured it; ties
// excepted). A case outside its bound, or one that
// cannot be imported, built or run, prints a line starting "FAIL" or "ERROR"
// on stderr and makes the exit status 1 (after every case has run); cases
// skipped for --time_budget_s make it 3 when nothing failed. The output is
// checked after the first (eager) run, after the warm-up (CUDA graph replays
// when on) and after the timed runs.
//
// Cases are prepared when their benchmark first runs and released when the
// next case starts, so one network is in device memory at a time; keep the
// default order (no --benchmark_enable_random_interleaving). --summary writes
// one JSON line per case as it is released, for bench/e2e/report.py.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/e2e/e2e_case.h"
#include "benchmark/benchmark.h"
#include "graph/logger.h"

ABSL_FLAG(std::string, models_dir, "",
          "folder written by bench/e2e/export_models.py: <model>.onnx, "
          "<model>.b<batch>.input.npy, <model>.b<batch>.ref.npy");
ABSL_FLAG(std::string, models, "resnet50,googlenet,mobilenet_v2", "models, comma-separated");
ABSL_FLAG(std::string, precisions, "fp32,fp16", "build precisions: fp32, tf32, fp16");
ABSL_FLAG(std::string, batches, "1,128", "batch sizes; each is also the plan's max batch");
ABSL_FLAG(std::string, backend, "", "cpu_ref or cuda (default: cuda when a GPU is present)");
ABSL_FLAG(std::string, timing_cache, "",
          "write each case's filled timing cache to FILE with the case put before the "
          "extension (cache.bin -> cache.resnet50.fp16.b128.bin); every cold build still "
          "starts from an empty cache");
ABSL_FLAG(std::string, plans_dir, "", "save each plan as DIR/<model>.<precision>.b<batch>.plan");
ABSL_FLAG(std::string, summary, "", "write one JSON line per case to FILE");
ABSL_FLAG(int, workspace, 256, "per-layer scratch memory budget in MiB (as kiln build)");
ABSL_FLAG(int, timing_iterations, 5, "timed runs per tactic candidate while building");
ABSL_FLAG(int, warmup, 10, "untimed runs of each case after its check, before timing");
ABSL_FLAG(double, time_budget_s, 0,
          "cases not started within this many seconds of the start are skipped "
          "(reported, not failed); 0 = no limit");
ABSL_FLAG(bool, cuda_graph, true,
          "replay each network as one CUDA graph (ExecutionContext::set_cuda_graphs; the "
          "runtime's default); false times layer-by-layer launches");
ABSL_FLAG(bool, verbose, false, "print each layer's tactic choice while building");

namespace kiln {
namespace bench {
namespace {

// One case through its life: pending, then ready (or error, or skipped),
// then released with its summary written.
struct CaseRun {
  enum class State { kPending, kReady, kError, kSkipped, kReleased };
  CaseSpec spec;
  State state = State::kPending;
  std::string error;  // kError / kSkipped: why
  std::unique_ptr<PreparedCase> prepared;
  std::vector<double> samples_ms;  // every timed run, all repetitions
  // Kept from `prepared` once it is released.
  LogitsComparison accuracy;
  std::string violation;  // empty = within the bound
  double build_s_cold = 0;
  double build_s_warm = 0;
  int layers = 0;
  bool cuda_graph = false;      // the timed runs replay a CUDA graph
  std::string cuda_graph_note;  // why not, when graphs were asked for
  bool summarized = false;
};

// A JSON string literal.
std::string Json(absl::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      out += absl::StrFormat("\\u%04x", ch);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// A JSON number; null for NaN and infinities (JSON has no such numbers).
std::string Json(double v) { return std::isfinite(v) ? absl::StrFormat("%.6g", v) : "null"; }

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

class Runner {
 public:
  Runner(CaseOptions options, double time_budget_s, std::string summary_path)
      : options_(std::move(options)),
        time_budget_s_(time_budget_s),
        summary_path_(std::move(summary_path)),
        start_(std::chrono::steady_clock::now()) {
    if (!summary_path_.empty()) std::ofstream(summary_path_, std::ios::trunc);
  }

  CaseRun* Add(CaseSpec spec) {
    runs_.push_back(std::make_unique<CaseRun>());
    runs_.back()->spec = std::move(spec);
    return runs_.back().get();
  }

  // Makes `run` the case in memory: releases the one before, and prepares
  // `run` the first time it is asked for.
  void Activate(CaseRun* run) {
    if (active_ == run) return;
    if (active_ != nullptr) Release(active_);
    active_ = run;
    if (run->state != CaseRun::State::kPending) return;
    const double elapsed = SecondsSinceStart();
    if (time_budget_s_ > 0 && elapsed > time_budget_s_) {
      run->state = CaseRun::State::kSkipped;
      run->error = absl::StrFormat("not run: %.1f s of the %.1f s time budget spent before it",
                                   elapsed, time_budget_s_);
      std::fprintf(stderr, "SKIPPED %s: %s\n", run->spec.Name().c_str(), run->error.c_str());
      return;
    }
    absl::StatusOr<std::unique_ptr<PreparedCase>> prepared =
        PreparedCase::Create(run->spec, options_);
    if (!prepared.ok()) {
      run->state = CaseRun::State::kError;
      run->error = std::string(prepared.status().message());
      std::fprintf(stderr, "ERROR %s: %s\n", run->spec.Name().c_str(), run->error.c_str());
      return;
    }
    run->prepared = *std::move(prepared);
    run->state = CaseRun::State::kReady;
    const PreparedCase& c = *run->prepared;
    run->accuracy = c.accuracy();
    run->violation = c.violation();
    run->build_s_cold = c.build_s_cold();
    run->build_s_warm = c.build_s_warm();
    run->layers = c.layers();
    run->cuda_graph = c.cuda_graph_active();
    run->cuda_graph_note = c.cuda_graph_note();
    std::string timed = run->cuda_graph ? "timed as CUDA graph replays" : "timed eagerly";
    if (!run->cuda_graph_note.empty()) {
      absl::StrAppend(&timed, " (CUDA graphs off: ", run->cuda_graph_note, ")");
    }
    std::fprintf(stderr,
                 "%s %s: rel-L2 %.3g (bound %.3g), top-1 agreement %.4f (%lld/%lld rows); "
                 "%d layers, %s%s%s\n",
                 run->violation.empty() ? "ok" : "FAIL", run->spec.Name().c_str(),
                 run->accuracy.rel_l2, c.bound().max_rel_l2, run->accuracy.top1_agree,
                 static_cast<long long>(run->accuracy.rows - run->accuracy.top1_mismatches),
                 static_cast<long long>(run->accuracy.rows), run->layers, timed.c_str(),
                 run->violation.empty() ? "" : ": ", run->violation.c_str());
    std::fflush(stderr);
  }

  // Releases the last case and prints the totals.
  void Finish() {
    if (active_ != nullptr) Release(active_);
    active_ = nullptr;
    int ok = 0, failed = 0, errors = 0, skipped = 0;
    std::vector<std::string> bad;
    for (const auto& run : runs_) {
      switch (run->state) {
        case CaseRun::State::kPending:
          break;  // filtered out by --benchmark_filter
        case CaseRun::State::kSkipped:
          ++skipped;
          break;
        case CaseRun::State::kError:
          ++errors;
          bad.push_back(run->spec.Name() + " (error)");
          break;
        default:
          if (run->violation.empty()) {
            ++ok;
          } else {
            ++failed;
            bad.push_back(run->spec.Name() + " (accuracy)");
          }
      }
    }
    std::fprintf(stderr,
                 "e2e: %d cases run: %d within the accuracy bounds, %d FAILED accuracy, "
                 "%d errors; %d skipped (time budget)\n",
                 ok + failed + errors, ok, failed, errors, skipped);
    if (!bad.empty()) {
      std::fprintf(stderr, "FAIL e2e: %s\n", absl::StrJoin(bad, ", ").c_str());
    }
    failures_ = failed + errors;
    skipped_ = skipped;
  }

  // 0: every case that ran is within its bound and none was skipped;
  // 1: a case failed its bound or could not run; 3: some were skipped.
  int ExitCode() const { return failures_ > 0 ? 1 : skipped_ > 0 ? 3 : 0; }
  CaseRun* active() const { return active_; }

 private:
  double SecondsSinceStart() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  // Checks the output once more after the timed runs, frees the case's
  // memory and writes its summary line (once, however often it ran).
  void Release(CaseRun* run) {
    if (run->state == CaseRun::State::kReady && !run->samples_ms.empty()) {
      absl::StatusOr<LogitsComparison> after = run->prepared->CheckCurrentOutput();
      std::string why = after.ok() ? AccuracyViolation(*after, run->prepared->bound())
                                   : std::string(after.status().message());
      if (run->violation.empty() && !why.empty()) {
        if (after.ok()) run->accuracy = *after;
        run->violation = absl::StrCat("after ", run->samples_ms.size(), " timed runs: ", why);
        std::fprintf(stderr, "FAIL %s: %s\n", run->spec.Name().c_str(), run->violation.c_str());
      }
    }
    if (run->state == CaseRun::State::kReady) {
      WriteSummary(*run);
      run->state = CaseRun::State::kReleased;
    } else if (run->state != CaseRun::State::kPending && !run->summarized) {
      WriteSummary(*run);
    }
    run->summarized = true;
    run->prepared.reset();
  }

  void WriteSummary(const CaseRun& run) const {
    if (summary_path_.empty()) return;
    const bool ran = run.state == CaseRun::State::kReady;
    std::string status = run.violation.empty() ? "ok" : "accuracy_fail";
    std::string message = run.violation;
    if (run.state == CaseRun::State::kError) status = "error", message = run.error;
    if (run.state == CaseRun::State::kSkipped) status = "skipped", message = run.error;
    const double median = Median(run.samples_ms);
    const double min = run.samples_ms.empty()
                           ? std::nan("")
                           : *std::min_element(run.samples_ms.begin(), run.samples_ms.end());
    std::string line = absl::StrCat(
        "{\"kind\": \"kiln\", \"name\": ", Json(run.spec.Name()),
        ", \"model\": ", Json(run.spec.model), ", \"precision\": ", Json(run.spec.precision),
        ", \"batch\": ", run.spec.batch, ", \"backend\": ", Json(options_.backend),
        ", \"status\": ", Json(status), ", \"message\": ", Json(message));
    if (ran) {
      absl::StrAppend(&line, ", \"median_ms\": ", Json(median), ", \"min_ms\": ", Json(min),
                      ", \"runs\": ", run.samples_ms.size(),
                      ", \"images_per_s\": ", Json(run.spec.batch * 1e3 / median),
                      ", \"rel_l2\": ", Json(run.accuracy.rel_l2),
                      ", \"top1_agree\": ", Json(run.accuracy.top1_agree),
                      ", \"top1_mismatches\": ", run.accuracy.top1_mismatches,
                      ", \"non_finite\": ", run.accuracy.non_finite,
                      ", \"build_s_cold\": ", Json(run.build_s_cold),
                      ", \"build_s_warm\": ", Json(run.build_s_warm), ", \"layers\": ", run.layers,
                      ", \"cuda_graph\": ", run.cuda_graph ? "true" : "false",
                      ", \"cuda_graph_note\": ", Json(run.cuda_graph_note));
    }
    line += "}\n";
    std::ofstream(summary_path_, std::ios::app) << line << std::flush;
  }

  const CaseOptions options_;
  const double time_budget_s_;
  const std::string summary_path_;
  const std::chrono::steady_clock::time_point start_;
  std::vector<std::unique_ptr<CaseRun>> runs_;
  CaseRun* active_ = nullptr;
  int failures_ = 0;
  int skipped_ = 0;
};

void RunCase(benchmark::State& state, Runner* runner, CaseRun* run) {
  runner->Activate(run);
  if (run->state == CaseRun::State::kReleased) {
    state.SkipWithError(
        "already run and released: cases run one after the other (no "
        "--benchmark_enable_random_interleaving)");
    return;
  }
  if (run->state != CaseRun::State::kReady) {
    state.SkipWithError(run->error.c_str());
    return;
  }
  PreparedCase& c = *run->prepared;
  for (auto _ : state) {
    absl::StatusOr<double> ms = c.TimeOneRunMs();
    if (!ms.ok()) {
      // A run that fails after the checked one is an error of the case.
      run->state = CaseRun::State::kError;
      run->error = absl::StrCat("a timed run failed: ", ms.status().message());
      std::fprintf(stderr, "ERROR %s: %s\n", run->spec.Name().c_str(), run->error.c_str());
      state.SkipWithError(run->error.c_str());
      break;
    }
    state.SetIterationTime(*ms / 1e3);
    run->samples_ms.push_back(*ms);
  }
  state.SetItemsProcessed(state.iterations() * run->spec.batch);
  state.counters["batch"] = run->spec.batch;
  state.counters["rel_l2"] = run->accuracy.rel_l2;
  state.counters["top1_agree"] = run->accuracy.top1_agree;
  state.counters["accuracy_ok"] = run->violation.empty() ? 1 : 0;
  state.counters["build_s_cold"] = run->build_s_cold;
  state.counters["build_s_warm"] = run->build_s_warm;
  state.counters["layers"] = run->layers;
  state.counters["cuda_graph"] = run->cuda_graph ? 1 : 0;
  if (!run->violation.empty()) state.SetLabel("ACCURACY FAIL");
}

std::vector<std::string> SplitList(absl::string_view text) {
  return absl::StrSplit(text, ',', absl::SkipWhitespace());
}

std::string DefaultBackend() {
  const Backend* cuda = BackendRegistry::Global().Find("cuda");
  return cuda != nullptr && cuda->Available().ok() ? "cuda" : "cpu_ref";
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "e2e_bench: %s (see --helpfull)\n", message.c_str());
  return 2;
}

int Main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  absl::SetProgramUsageMessage(
      "End-to-end benchmark: ONNX models exported by bench/e2e/export_models.py, built, "
      "checked against PyTorch and timed. kiln's flags are listed by --helpfull, Google "
      "Benchmark's by --help.");
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) return Usage(absl::StrCat("unexpected argument '", rest[1], "'"));

  CaseOptions options;
  options.models_dir = absl::GetFlag(FLAGS_models_dir);
  if (options.models_dir.empty()) return Usage("--models_dir is required");
  options.backend = absl::GetFlag(FLAGS_backend);
  if (options.backend.empty()) options.backend = DefaultBackend();
  options.plans_dir = absl::GetFlag(FLAGS_plans_dir);
  options.timing_cache_path = absl::GetFlag(FLAGS_timing_cache);
  if (absl::GetFlag(FLAGS_workspace) < 0 || absl::GetFlag(FLAGS_timing_iterations) < 1 ||
      absl::GetFlag(FLAGS_warmup) < 0) {
    return Usage("--workspace and --warmup must be >= 0, --timing_iterations >= 1");
  }
  options.workspace_bytes = static_cast<uint64_t>(absl::GetFlag(FLAGS_workspace)) << 20;
  options.timing_iterations = absl::GetFlag(FLAGS_timing_iterations);
  options.warmup_runs = absl::GetFlag(FLAGS_warmup);
  options.verbose = absl::GetFlag(FLAGS_verbose);
  options.cuda_graphs = absl::GetFlag(FLAGS_cuda_graph);
  StderrLogger logger(Logger::Severity::kWarning);
  options.logger = &logger;
  if (!options.plans_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options.plans_dir, error);
    if (error) return Usage(absl::StrCat(options.plans_dir, ": cannot create: ", error.message()));
  }

  const std::vector<std::string> models = SplitList(absl::GetFlag(FLAGS_models));
  const std::vector<std::string> precisions = SplitList(absl::GetFlag(FLAGS_precisions));
  std::vector<int> batches;
  for (const std::string& b : SplitList(absl::GetFlag(FLAGS_batches))) {
    int batch = 0;
    if (!absl::SimpleAtoi(b, &batch) || batch < 1) {
      return Usage(absl::StrCat("--batches: '", b, "' is not a batch size"));
    }
    batches.push_back(batch);
  }
  for (const std::string& p : precisions) {
    if (absl::Status s = BoundFor(p).status(); !s.ok()) return Usage(std::string(s.message()));
  }
  if (models.empty() || precisions.empty() || batches.empty()) {
    return Usage("--models, --precisions and --batches must each name at least one");
  }

  Runner runner(options, absl::GetFlag(FLAGS_time_budget_s), absl::GetFlag(FLAGS_summary));
  for (const std::string& model : models) {
    for (const std::string& precision : precisions) {
      for (int batch : batches) {
        CaseRun* run = runner.Add(CaseSpec{model, precision, batch});
        benchmark::RegisterBenchmark(run->spec.Name().c_str(), RunCase, &runner, run)
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  const Backend* backend = BackendRegistry::Global().Find(options.backend);
  benchmark::AddCustomContext("kiln_backend", options.backend);
  benchmark::AddCustomContext("kiln_device",
                              backend != nullptr ? backend->DeviceSignature() : "unknown");
  benchmark::AddCustomContext("kiln_models_dir", options.models_dir);
  benchmark::AddCustomContext("kiln_cuda_graph", options.cuda_graphs ? "true" : "false");
  benchmark::RunSpecifiedBenchmarks();
  runner.Finish();
  benchmark::Shutdown();
  return runner.ExitCode();
}

}  // namespace
}  // namespace bench
}  // namespace kiln

int main(int argc, char** argv) { return kiln::bench::Main(argc, argv); }
