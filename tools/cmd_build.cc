// kiln build: ONNX model (or a built-in sample network) -> plan file.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/shape_profile.h"
#include "optimizer/builder.h"
#include "optimizer/timing_cache.h"
#include "serialization/plan_io.h"
#include "tools/commands.h"
#include "tools/npy.h"

ABSL_FLAG(std::string, o, "", "where to write the plan (required)");
ABSL_FLAG(std::string, sample, "",
          "build a built-in network instead of an ONNX file: lenet5 or resnet50 (random weights)");
ABSL_FLAG(bool, fp16, false,
          "let layers run in fp16 where that is faster (inputs and outputs keep their type)");
ABSL_FLAG(bool, tf32, false, "let fp32 convolutions and GEMMs use TF32 tensor cores");
ABSL_FLAG(std::string, formats, "linear,nhwc",
          "layouts rank-4 tensors may take between layers, comma-separated: linear, nhwc");
ABSL_FLAG(int, workspace, 256, "per-layer scratch memory budget in MiB");
ABSL_FLAG(std::string, timing_cache, "",
          "file of measured tactic times: read if it exists, written after the build, so the "
          "next build of similar layers skips timing them");
ABSL_FLAG(std::string, shapes, "",
          "dims of ONNX inputs with symbolic dims, as name:1x3x224x224[,name2:...]; dim 0 is the "
          "batch (for run: the input shapes of a plan built with --profile)");
ABSL_FLAG(std::string, profile, "",
          "an optimization profile (dynamic shapes): NAME:MIN,OPT,MAX for each input whose shape "
          "varies, ';'-separated, e.g. input_ids:1x16,8x128,128x384; repeat the flag for more "
          "profiles. Tactics are timed at OPT, memory is planned for MAX; replaces --batch");
ABSL_FLAG(std::vector<std::string>, disable_passes, {},
          "graph passes to skip, comma-separated (e.g. fuse-skip-layer-norm,fuse-gelu): to see "
          "what a fusion gains or to work around one; --verbose lists the passes as they run");
ABSL_FLAG(std::string, range_samples, "",
          "with --fp16: sample inputs as name:FILE.npy[,...] (repeatable); the network runs once "
          "in fp32 on them with the reference tactics, and layers that read or write values "
          "beyond fp16's range on them stay fp32 (the build log names them)");
ABSL_FLAG(std::vector<std::string>, fp32_layers, {},
          "layers to keep in fp32 with --fp16, comma-separated, by the names kiln inspect shows");
ABSL_FLAG(bool, quiet, false, "do not print a line per layer while choosing tactics");

namespace kiln {
namespace cli {
namespace {

constexpr char kName[] = "kiln build";

// One line per layer on stderr while the builder times tactics:
//   [12/122] conv3 (Convolution): cpu_ref.convolution.im2col 1.234 ms, 2 candidates
void PrintProgress(const BuildProgress& p) {
  std::string how;
  if (p.candidates <= 1) {
    how = "only candidate";
  } else {
    how = absl::StrFormat("%.4g ms, best of %d", p.median_ms, p.candidates);
    if (p.cache_hits == p.candidates) {
      absl::StrAppend(&how, ", from the timing cache");
    } else if (p.cache_hits > 0) {
      absl::StrAppend(&how, ", ", p.cache_hits, " from the timing cache");
    }
  }
  const int width = static_cast<int>(std::to_string(p.total).size());
  std::fprintf(stderr, "[%*d/%d] %s (%s) ... chose %s (%s)\n", width, p.done, p.total,
               std::string(p.layer).c_str(), std::string(p.op).c_str(),
               std::string(p.tactic).c_str(), how.c_str());
  std::fflush(stderr);
}

int Run(const Args& args) {
  const std::string sample = absl::GetFlag(FLAGS_sample);
  const std::string out = absl::GetFlag(FLAGS_o);
  if (args.positional.size() > 1) {
    return Fail(kName, absl::StrCat("expected one model, got ", args.positional.size(), ": ",
                                    absl::StrJoin(args.positional, " ")),
                kExitUsage);
  }
  if (sample.empty() == args.positional.empty()) {
    return Fail(kName,
                sample.empty() ? "missing MODEL.onnx (or --sample=lenet5); see 'kiln help build'"
                               : "give either MODEL.onnx or --sample, not both",
                kExitUsage);
  }
  if (out.empty()) return Fail(kName, "missing -o PLAN (where to write the plan)", kExitUsage);
  const int batch = absl::GetFlag(FLAGS_batch) > 0 ? absl::GetFlag(FLAGS_batch) : 1;
  if (absl::GetFlag(FLAGS_batch) < 0 || batch > kMaxBatchLimit) {
    return Fail(kName, absl::StrCat("--batch must be in 1..", kMaxBatchLimit), kExitUsage);
  }
  if (absl::GetFlag(FLAGS_workspace) < 0) {
    return Fail(kName, "--workspace must be >= 0 (MiB)", kExitUsage);
  }
  absl::StatusOr<std::vector<TensorFormat>> formats = ParseFormats(absl::GetFlag(FLAGS_formats));
  if (!formats.ok()) return Fail(kName, formats.status().message(), kExitUsage);
  absl::StatusOr<std::map<std::string, Dims>> shapes = ParseShapes(absl::GetFlag(FLAGS_shapes));
  if (!shapes.ok()) return Fail(kName, shapes.status().message(), kExitUsage);
  if (!sample.empty() && !shapes->empty()) {
    return Fail(kName, "--shapes applies to ONNX models, not to --sample networks", kExitUsage);
  }

  // The timing cache, when asked for: reused if the file exists.
  std::unique_ptr<TimingCache> cache;
  const std::string cache_path = absl::GetFlag(FLAGS_timing_cache);
  bool cache_existed = false;
  if (!cache_path.empty()) {
    std::ifstream probe(cache_path);
    cache_existed = probe.good();
    if (cache_existed) {
      absl::StatusOr<std::vector<uint8_t>> bytes = ReadFileBytes(cache_path);
      if (!bytes.ok()) return Fail(kName, bytes.status());
      absl::StatusOr<std::unique_ptr<TimingCache>> loaded = TimingCache::Deserialize(*bytes);
      if (!loaded.ok()) {
        return Fail(kName, absl::StrCat(cache_path, ": ", loaded.status().message()),
                    kExitFailure);
      }
      cache = *std::move(loaded);
    } else {
      cache = std::make_unique<TimingCache>();
    }
  }

  // Range-check samples (read after the usage checks, before the import).
  std::map<std::string, Weights> range_samples;
  if (auto given = args.given.find("range_samples"); given != args.given.end()) {
    if (!absl::GetFlag(FLAGS_fp16)) {
      return Fail(kName, "--range_samples is for fp16 builds: add --fp16", kExitUsage);
    }
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> files =
        ParseNamedFiles("range_samples", given->second);
    if (!files.ok()) return Fail(kName, files.status().message(), kExitUsage);
    for (const auto& [name, file] : *files) {
      absl::StatusOr<Weights> data = ReadNpyFile(file);
      if (!data.ok()) return Fail(kName, data.status());
      range_samples[name] = *std::move(data);
    }
  }

  // Profiles: the model is imported at the first one's max shapes.
  std::vector<ShapeProfile> profiles;
  if (auto given = args.given.find("profile"); given != args.given.end()) {
    if (args.Has("batch")) {
      return Fail(kName, "--batch and --profile exclude each other: give the batch range in "
                         "the profile", kExitUsage);
    }
    for (const std::string& text : given->second) {
      absl::StatusOr<ShapeProfile> profile = ParseShapeProfile(text);
      if (!profile.ok()) return Fail(kName, profile.status().message(), kExitUsage);
      profiles.push_back(*std::move(profile));
    }
  }
  int import_batch = batch;
  std::map<std::string, Dims> import_shapes = *shapes;
  if (!profiles.empty()) {
    for (const InputShapeRange& range : profiles[0].inputs) {
      import_shapes[range.name] = range.max;
      import_batch = std::max<int>(import_batch, static_cast<int>(range.max[0]));
    }
  }
  const std::string model = sample.empty() ? args.positional[0] : sample;
  absl::StatusOr<NetworkDefinition> network =
      sample.empty() ? ImportOnnx(model, import_batch, import_shapes) : SampleNetwork(sample);
  if (!network.ok()) {
    return Fail(kName, network.status().message(),
                network.status().code() == absl::StatusCode::kInvalidArgument && !sample.empty()
                    ? kExitUsage
                    : kExitFailure);
  }

  StderrLogger logger(absl::GetFlag(FLAGS_verbose) ? Logger::Severity::kVerbose
                                                   : Logger::Severity::kWarning);
  BuildConfig config;
  config.max_batch = profiles.empty() ? batch : 1;
  config.profiles = profiles;
  config.workspace_bytes = static_cast<uint64_t>(absl::GetFlag(FLAGS_workspace)) << 20;
  config.allow_fp16 = absl::GetFlag(FLAGS_fp16);
  config.allow_tf32 = absl::GetFlag(FLAGS_tf32);
  config.formats = *formats;
  config.backends = {absl::GetFlag(FLAGS_backend)};
  config.logger = &logger;
  config.timing_cache = cache.get();
  config.disabled_passes = absl::GetFlag(FLAGS_disable_passes);
  config.fp32_layers = absl::GetFlag(FLAGS_fp32_layers);
  config.fp16_range_samples = std::move(range_samples);
  if (!absl::GetFlag(FLAGS_quiet)) config.progress = PrintProgress;

  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Plan> plan = Builder::Build(*network, config);
  if (!plan.ok()) return Fail(kName, absl::StrCat(model, ": ", plan.status().message()), 1);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  absl::StatusOr<std::vector<uint8_t>> bytes = PlanWriter::Write(*plan);
  if (!bytes.ok()) return Fail(kName, bytes.status());
  if (absl::Status s = WriteFileBytes(out, *bytes); !s.ok()) return Fail(kName, s);
  if (cache != nullptr) {
    if (absl::Status s = WriteFileBytes(cache_path, cache->Serialize()); !s.ok()) {
      return Fail(kName, s);
    }
  }

  // The summary.
  std::map<std::string, int> tactic_counts;
  for (const PlanNode& node : plan->nodes) ++tactic_counts[node.tactic];
  std::vector<std::pair<std::string, int>> tactics(tactic_counts.begin(), tactic_counts.end());
  std::stable_sort(tactics.begin(), tactics.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  uint64_t weight_bytes = 0;
  for (const Weights& w : plan->weights) weight_bytes += w.bytes();

  std::printf("built %s for %s (%s), max batch %d, in %.3f s\n", model.c_str(),
              plan->backend.c_str(), plan->device.c_str(), plan->max_batch, seconds);
  for (size_t p = 0; p < plan->profiles.size(); ++p) {
    std::printf("  profile %-9zu %s\n", p, plan->profiles[p].ToString().c_str());
  }
  std::printf("  layers            %zu (network had %d)\n", plan->nodes.size(),
              network->num_layers());
  std::printf("  options           %s\n", plan->build_options.c_str());
  int reformats = 0;
  for (const PlanNode& node : plan->nodes) reformats += node.op == "Reformat";
  if (reformats > 0) {
    std::printf("  reformats         %d (precision/layout changes between layers)\n", reformats);
  }
  std::printf("  tactics chosen\n");
  for (const auto& [name, count] : tactics) std::printf("    %4d x %s\n", count, name.c_str());
  std::printf("  activation arena  %s\n", FormatBytes(plan->arena_size).c_str());
  std::printf("  workspace         %s (budget %d MiB)\n", FormatBytes(plan->workspace_size).c_str(),
              absl::GetFlag(FLAGS_workspace));
  std::printf("  weights           %s in %zu blobs\n", FormatBytes(weight_bytes).c_str(),
              plan->weights.size());
  if (cache != nullptr) {
    std::printf("  timing cache      %s (%s): %zu entries, %lld hits, %lld timed\n",
                cache_path.c_str(), cache_existed ? "reused" : "new", cache->size(),
                static_cast<long long>(cache->hits()), static_cast<long long>(cache->misses()));
  }
  std::printf("  plan              %s (%s)\n", out.c_str(), FormatBytes(bytes->size()).c_str());
  return kExitOk;
}

}  // namespace

const Command& BuildCommand() {
  static const Command command{
      "build",
      "kiln build MODEL.onnx -o MODEL.plan [flags]\n       kiln build --sample=lenet5 -o "
      "MODEL.plan [flags]",
      "Optimize a model for one backend and save the plan.",
      "Imports the ONNX model (or builds a built-in sample network), chooses the fastest\n"
      "tactic for every layer by timing each candidate on this machine, plans memory and\n"
      "writes the plan file that 'kiln run' and your program load. A line per layer shows\n"
      "the choice as it is made; a summary follows.\n"
      "\n"
      "Examples:\n"
      "  kiln build resnet50.onnx -o resnet50.plan --batch=8 --timing-cache=cpu.cache\n"
      "  kiln build model.onnx -o model.plan --shapes=input:1x3x224x224\n"
      "  kiln build bert.onnx -o bert.plan --profile='input_ids:1x16,8x128,32x384;...'\n"
      "  kiln build --sample=lenet5 -o lenet.plan\n"
      "  kiln build --sample=resnet50 --backend=cuda --batch=32 --fp16 -o r50.plan\n",
      {"o", "sample", "backend", "fp16", "tf32", "formats", "batch", "workspace", "timing_cache",
       "shapes", "profile", "disable_passes", "range_samples", "fp32_layers", "quiet", "verbose"},
      Run,
  };
  return command;
}

}  // namespace cli
}  // namespace kiln
