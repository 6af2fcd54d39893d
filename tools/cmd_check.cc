// kiln check: run a plan layer by layer and compare every layer with the
// cpu_ref oracle fed the inputs that layer received (tools/check_lib.h).
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "graph/status_macros.h"
#include "optimizer/builder.h"
#include "optimizer/timing_cache.h"
#include "graph/logger.h"
#include "runtime/runtime.h"
#include "tools/check_lib.h"
#include "tools/commands.h"
#include "tools/npy.h"

// Build flags (cmd_build.cc), input flags (cmd_run.cc) and --report
// (cmd_conformance.cc) mean the same here.
ABSL_DECLARE_FLAG(bool, fp16);
ABSL_DECLARE_FLAG(bool, tf32);
ABSL_DECLARE_FLAG(std::string, formats);
ABSL_DECLARE_FLAG(int, workspace);
ABSL_DECLARE_FLAG(std::string, shapes);
ABSL_DECLARE_FLAG(std::string, timing_cache);
ABSL_DECLARE_FLAG(bool, quiet);
ABSL_DECLARE_FLAG(std::string, input);
ABSL_DECLARE_FLAG(uint32_t, seed);
ABSL_DECLARE_FLAG(std::string, report);

ABSL_FLAG(double, rel_l2_fp32, 1e-5, "largest rel-L2 error of an fp32 layer");
ABSL_FLAG(double, rel_l2_tf32, 1e-3,
          "largest rel-L2 error of an fp32 layer in a plan built with --tf32");
ABSL_FLAG(double, rel_l2_fp16, 5e-3, "largest rel-L2 error of a layer with fp16 tensors");
ABSL_FLAG(int, max_layers, 0, "check only the first N layers (0 = all)");
ABSL_FLAG(int, reruns, 3,
          "after the check, run the plan N times as a program does (layers not waited for, CUDA "
          "graphs) and compare its outputs with the checked run's");

namespace kiln {
namespace cli {
namespace {

constexpr char kName[] = "kiln check";

// --input values: "name:FILE.npy", or just "FILE.npy" for a one-input model
// (name empty).
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseInputs(const Args& args) {
  std::vector<std::pair<std::string, std::string>> files;
  auto given = args.given.find("input");
  if (given == args.given.end()) return files;
  for (const std::string& value : given->second) {
    for (absl::string_view item : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      const size_t colon = item.find(':');
      if (colon == absl::string_view::npos) {
        files.emplace_back("", std::string(item));
      } else if (colon == 0 || colon + 1 == item.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--input '", item, "' is not name:FILE.npy (or FILE.npy)"));
      } else {
        files.emplace_back(std::string(item.substr(0, colon)), std::string(item.substr(colon + 1)));
      }
    }
  }
  return files;
}

// Imports and builds `path` as `kiln build` would with the same flags.
absl::StatusOr<std::unique_ptr<Engine>> BuildOnnx(const std::string& path, int batch,
                                                  const std::vector<TensorFormat>& formats,
                                                  const std::map<std::string, Dims>& shapes) {
  std::unique_ptr<TimingCache> cache;
  const std::string cache_path = absl::GetFlag(FLAGS_timing_cache);
  if (!cache_path.empty()) {
    absl::StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(cache_path);
    if (bytes.ok()) {
      absl::StatusOr<std::unique_ptr<TimingCache>> loaded = TimingCache::Deserialize(*bytes);
      if (!loaded.ok()) {
        return absl::Status(loaded.status().code(),
                            absl::StrCat(cache_path, ": ", loaded.status().message()));
      }
      cache = *std::move(loaded);
    } else {
      cache = std::make_unique<TimingCache>();
    }
  }
  absl::StatusOr<NetworkDefinition> network = ImportOnnx(path, batch, shapes);
  if (!network.ok()) return network.status();
  StderrLogger logger(absl::GetFlag(FLAGS_verbose) ? Logger::Severity::kVerbose
                                                   : Logger::Severity::kWarning);
  BuildConfig config;
  config.max_batch = batch;
  config.workspace_bytes = static_cast<uint64_t>(absl::GetFlag(FLAGS_workspace)) << 20;
  config.allow_fp16 = absl::GetFlag(FLAGS_fp16);
  config.allow_tf32 = absl::GetFlag(FLAGS_tf32);
  config.formats = formats;
  config.backends = {absl::GetFlag(FLAGS_backend)};
  config.logger = &logger;
  config.timing_cache = cache.get();
  if (!absl::GetFlag(FLAGS_quiet)) {
    config.progress = [](const BuildProgress& p) {
      const int width = static_cast<int>(std::to_string(p.total).size());
      std::fprintf(stderr, "build [%*d/%d] %s (%s) ... chose %s\n", width, p.done, p.total,
                   std::string(p.layer).c_str(), std::string(p.op).c_str(),
                   std::string(p.tactic).c_str());
      std::fflush(stderr);
    };
  }
  absl::StatusOr<Plan> plan = Builder::Build(*network, config);
  if (!plan.ok()) {
    return absl::Status(plan.status().code(),
                        absl::StrCat(path, ": build failed: ", plan.status().message()));
  }
  if (cache != nullptr) KILN_RETURN_IF_ERROR(WriteFileBytes(cache_path, cache->Serialize()));
  return Runtime::CreateEngine(*std::move(plan));
}

void PrintFirstFailure(const CheckSummary& summary) {
  const LayerReport& r = summary.layers[summary.first_failure];
  std::printf("\nFIRST FAILING LAYER: %d '%s' (%s)\n", r.index, r.name.c_str(), r.op.c_str());
  std::printf("  tactic    %s\n", r.tactic.c_str());
  for (const TensorDesc& d : r.outputs) {
    std::printf("  output    %s %s\n", d.name.c_str(), DescSummary(d).c_str());
  }
  std::printf("  error     %s\n", r.message.c_str());
  std::printf("  measured  rel-L2 %g (%s bound %g), max-abs %g, %lld NaN/Inf in the plan's output\n",
              r.worst.rel_l2, r.precision.c_str(), r.bound, r.worst.max_abs,
              static_cast<long long>(r.worst.non_finite));
  std::printf("  oracle    %s on the inputs this layer received in the run\n", r.oracle.c_str());
}

int Run(const Args& args) {
  if (args.positional.size() != 1) {
    return Fail(kName,
                args.positional.empty()
                    ? "missing MODEL.plan (or MODEL.onnx); see 'kiln help check'"
                    : absl::StrCat("expected one model, got ", args.positional.size(), ": ",
                                   absl::StrJoin(args.positional, " ")),
                kExitUsage);
  }
  const std::string& path = args.positional[0];
  const bool onnx = EndsWith(path, ".onnx");
  const int batch_flag = absl::GetFlag(FLAGS_batch);
  if (batch_flag < 0 || batch_flag > kMaxBatchLimit) {
    return Fail(kName, absl::StrCat("--batch must be in 1..", kMaxBatchLimit), kExitUsage);
  }
  CheckOptions options;
  options.bounds = {absl::GetFlag(FLAGS_rel_l2_fp32), absl::GetFlag(FLAGS_rel_l2_tf32),
                    absl::GetFlag(FLAGS_rel_l2_fp16)};
  options.max_layers = absl::GetFlag(FLAGS_max_layers);
  options.reruns = absl::GetFlag(FLAGS_reruns);
  if (options.reruns < 0) return Fail(kName, "--reruns must be >= 0", kExitUsage);
  if (!(options.bounds.fp32 >= 0) || !(options.bounds.tf32 >= 0) || !(options.bounds.fp16 >= 0)) {
    return Fail(kName, "--rel-l2-fp32, --rel-l2-tf32 and --rel-l2-fp16 must be >= 0", kExitUsage);
  }
  if (options.max_layers < 0) return Fail(kName, "--max-layers must be >= 0", kExitUsage);
  if (absl::GetFlag(FLAGS_workspace) < 0) {
    return Fail(kName, "--workspace must be >= 0 (MiB)", kExitUsage);
  }
  absl::StatusOr<std::vector<TensorFormat>> formats = ParseFormats(absl::GetFlag(FLAGS_formats));
  if (!formats.ok()) return Fail(kName, formats.status().message(), kExitUsage);
  absl::StatusOr<std::map<std::string, Dims>> shapes = ParseShapes(absl::GetFlag(FLAGS_shapes));
  if (!shapes.ok()) return Fail(kName, shapes.status().message(), kExitUsage);
  if (!onnx) {
    for (const char* flag :
         {"fp16", "tf32", "formats", "workspace", "shapes", "timing_cache", "quiet"}) {
      if (args.Has(flag)) {
        return Fail(kName,
                    absl::StrCat("--", absl::StrReplaceAll(flag, {{"_", "-"}}),
                                 " applies when building an .onnx model; a plan was built "
                                 "already"),
                    kExitUsage);
      }
    }
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> input_files =
      ParseInputs(args);
  if (!input_files.ok()) return Fail(kName, input_files.status().message(), kExitUsage);

  std::vector<Weights> input_data;
  for (const auto& [name, file] : *input_files) {
    absl::StatusOr<Weights> data = ReadNpyFile(file);
    if (!data.ok()) return Fail(kName, data.status());
    input_data.push_back(*std::move(data));
  }
  // An .onnx model is built for the batch to check: --batch, else the first
  // input file's dim 0.
  int build_batch = batch_flag;
  if (build_batch == 0 && !input_data.empty() && !input_data[0].dims().empty()) {
    build_batch = static_cast<int>(input_data[0].dims()[0]);
  }
  absl::StatusOr<std::unique_ptr<Engine>> loaded =
      onnx ? BuildOnnx(path, std::max(build_batch, 1), *formats, *shapes) : LoadEngine(path, 0);
  if (!loaded.ok()) return Fail(kName, loaded.status());
  const Engine& engine = **loaded;
  const Plan& plan = engine.plan();

  // Inputs: files where given (a file's dim 0 says the batch when --batch
  // does not), seeded random data otherwise.
  std::map<int, Weights> inputs;
  int batch = batch_flag;
  for (size_t f = 0; f < input_files->size(); ++f) {
    const auto& [name, file] = (*input_files)[f];
    int binding = engine.binding_index(name);
    if (name.empty() && engine.num_inputs() == 1) binding = 0;
    if (binding < 0 || !engine.is_input(binding)) {
      std::vector<std::string> names;
      for (int i = 0; i < engine.num_inputs(); ++i) names.push_back(engine.binding_name(i));
      return Fail(kName,
                  name.empty() ? absl::StrCat("--input=", file, " needs name:FILE.npy; the "
                                              "model's inputs are ", absl::StrJoin(names, ", "))
                               : absl::StrCat("--input: the model has no input '", name,
                                              "'; its inputs are ", absl::StrJoin(names, ", ")),
                  kExitUsage);
    }
    Weights& data = input_data[f];
    if (batch == 0 && plan.tensors[plan.inputs[binding]].batched && !data.dims().empty()) {
      batch = static_cast<int>(data.dims()[0]);
    }
    inputs[binding] = std::move(data);
  }
  if (batch == 0) batch = engine.max_batch();
  if (batch < 1 || batch > engine.max_batch()) {
    return Fail(kName, absl::StrCat("batch ", batch, " is outside the plan's 1..",
                                    engine.max_batch(), " (rebuild with a larger --batch)"),
                kExitFailure);
  }
  const uint32_t seed = absl::GetFlag(FLAGS_seed);
  absl::StatusOr<BindingBuffers> buffers = AllocateBindings(engine, batch, inputs, seed);
  if (!buffers.ok()) return Fail(kName, buffers.status());
  std::vector<Weights> host_inputs;
  for (int i = 0; i < engine.num_inputs(); ++i) {
    absl::StatusOr<Weights> host = ReadBinding(engine, *buffers, i);
    if (!host.ok()) return Fail(kName, host.status());
    host_inputs.push_back(*std::move(host));
  }

  const int to_check = options.max_layers > 0
                           ? std::min<int>(options.max_layers, plan.nodes.size())
                           : static_cast<int>(plan.nodes.size());
  std::printf("checking %s on %s (%s) at batch %d: %d of %zu layers against cpu_ref\n",
              path.c_str(), plan.backend.c_str(), plan.device.c_str(), batch, to_check,
              plan.nodes.size());
  std::printf("  build options  %s\n", plan.build_options.c_str());
  std::vector<std::string> described;
  for (int i = 0; i < engine.num_inputs(); ++i) {
    described.push_back(absl::StrCat(engine.binding_name(i), " ",
                                     DescSummary(buffers->descs[i]), " ",
                                     inputs.count(i) ? "from file" : "random"));
  }
  std::printf("  inputs         %s%s\n", absl::StrJoin(described, "; ").c_str(),
              inputs.size() < static_cast<size_t>(engine.num_inputs())
                  ? absl::StrCat(" (seed ", seed, ")").c_str()
                  : "");
  std::printf("  bounds         rel-L2 fp32 %g, tf32 %g, fp16 %g; NaN/Inf must match the oracle; "
              "non-float outputs exact\n",
              options.bounds.fp32, options.bounds.tf32, options.bounds.fp16);
  std::printf("  the oracle runs each layer single-threaded on the host: the slow part "
              "(a smaller --batch is faster)\n\n%s\n",
              LayerTableHeader().c_str());
  std::fflush(stdout);

  absl::StatusOr<CheckSummary> summary = CheckEngine(
      engine, batch, buffers->pointers, host_inputs, options, [](const LayerReport& r) {
        std::printf("%s\n", LayerLine(r).c_str());
        std::fflush(stdout);
      });
  if (!summary.ok()) return Fail(kName, summary.status());

  std::printf("\nchecked %zu of %zu layers at batch %d: %d ok, %d FAIL, %d skipped\n",
              summary->layers.size(), plan.nodes.size(), batch, summary->ok, summary->failed,
              summary->skipped);
  if (summary->skipped > 0) {
    std::printf("  skipped layers have no usable cpu_ref oracle (the reason ends their line)\n");
  }
  if (summary->first_failure >= 0) PrintFirstFailure(*summary);
  bool reruns_differ = false;
  if (!summary->reruns.empty()) {
    std::printf("\nnormal runs (layers not waited for, CUDA graphs where used) vs the checked run:\n");
    for (const RerunReport& r : summary->reruns) {
      std::printf("%s\n", RerunLine(r).c_str());
      reruns_differ |= !r.ok;
    }
    if (reruns_differ) {
      std::printf("\nNORMAL RUNS DIFFER FROM THE CHECKED RUN, which waits for each layer and "
                  "runs eagerly: look for a race between layers or a CUDA graph problem\n");
    }
  }
  std::fflush(stdout);

  const std::string report_path = absl::GetFlag(FLAGS_report);
  if (!report_path.empty()) {
    const std::string json = CheckJson(path, plan, batch, options, *summary);
    if (absl::Status s = WriteFileBytes(report_path, std::vector<uint8_t>(json.begin(), json.end()));
        !s.ok()) {
      return Fail(kName, s);
    }
  }
  if (!summary->run_status.ok()) return Fail(kName, summary->run_status);
  if (!summary->rerun_status.ok()) {
    return Fail(kName, absl::StrCat("normal run after the check: ",
                                    summary->rerun_status.message()),
                kExitFailure);
  }
  if (summary->first_failure >= 0) {
    const LayerReport& r = summary->layers[summary->first_failure];
    return Fail(kName,
                absl::StrCat(summary->failed, " of ", summary->layers.size(),
                             " layers differ from the oracle; the first is layer ", r.index, " '",
                             r.name, "' (", r.op, ", ", r.tactic, "): ", r.message),
                kExitFailure);
  }
  if (reruns_differ) {
    return Fail(kName,
                "every layer matches the oracle, but normal runs of the plan differ from the "
                "checked run (see above)",
                kExitFailure);
  }
  return CheckExitCode(*summary);
}

}  // namespace

const Command& CheckCommand() {
  static const Command command{
      "check",
      "kiln check MODEL.plan|MODEL.onnx [--batch=N] [--input=name:FILE.npy ...] [flags]",
      "Run a plan layer by layer and check every layer against the cpu_ref oracle.",
      "Runs the plan once with an observer that copies each layer's outputs to the host,\n"
      "then computes that layer with cpu_ref's reference tactic from the same inputs the\n"
      "layer received in the run (fp32, linear layout; fp16/NHWC tensors and weights are\n"
      "converted) and compares: rel-L2 error within the bound of the layer's precision,\n"
      "NaN/Inf where the oracle has them, non-float outputs exact. A line per layer is\n"
      "printed as it is checked, then the first failing layer. Exit code 1 when a layer\n"
      "fails. An .onnx model is imported and built first with the same flags as 'kiln\n"
      "build' (tactics are chosen by timing, so to check the very plan that misbehaves,\n"
      "check its .plan file). --batch is the batch to run (default: the plan's max\n"
      "batch); the oracle runs single-threaded on the host, which is the slow part.\n"
      "Then --reruns normal runs (no observer: layers not waited for, CUDA graphs) must\n"
      "give the checked run's outputs; a difference there is a race or a graph problem,\n"
      "which no layer-by-layer check sees.\n"
      "\n"
      "Examples:\n"
      "  kiln check model.plan --batch=8 --report=check.json\n"
      "  kiln check model.onnx --backend=cuda --fp16 --batch=8\n",
      {"batch", "input", "seed", "backend", "fp16", "tf32", "formats", "workspace", "shapes",
       "timing_cache", "quiet", "rel_l2_fp32", "rel_l2_tf32", "rel_l2_fp16", "max_layers", "reruns", "report",
       "verbose"},
      Run,
  };
  return command;
}

}  // namespace cli
}  // namespace kiln
