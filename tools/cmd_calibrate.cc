// kiln calibrate: INT8 calibration of an ONNX model (or a built-in sample
// network) on .npy batches -> a calibration cache (optimizer/calibration.h).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "optimizer/calibration.h"
#include "tools/commands.h"
#include "tools/npy.h"

ABSL_FLAG(std::string, calib_data, "",
          "folder of calibration batches as .npy files: BATCH.npy for a network with one input, "
          "BATCH.INPUT.npy for each input otherwise (batches taken in name order)");
ABSL_FLAG(std::string, calibrator, "entropy", "entropy, minmax or percentile");
ABSL_FLAG(double, percentile, 99.99, "with --calibrator=percentile: the percentile of |x| kept");
ABSL_DECLARE_FLAG(std::string, o);
ABSL_DECLARE_FLAG(std::string, sample);
ABSL_DECLARE_FLAG(std::string, shapes);

namespace kiln {
namespace cli {
namespace {

constexpr char kName[] = "kiln calibrate";

namespace fs = std::filesystem;

// The batches of `dir` for a network with `inputs`: one input takes every
// .npy file as a batch of it; several take BATCH.INPUT.npy and need every
// input in every batch. Errors name the file or the batch.
absl::StatusOr<std::vector<std::map<std::string, Weights>>> ReadBatches(
    const std::string& dir, const std::vector<std::string>& inputs) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat("--calib_data: '", dir, "' is not a folder"));
  }
  std::vector<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, error)) {
    if (e.is_regular_file() && e.path().extension() == ".npy") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--calib_data: '", dir, "' has no .npy files; put one batch per file there"));
  }
  std::map<std::string, std::map<std::string, Weights>> batches;  // by batch name
  for (const std::string& file : files) {
    const std::string stem = fs::path(file).stem().string();
    std::string batch = stem, input = inputs.size() == 1 ? inputs[0] : "";
    if (inputs.size() > 1) {
      for (const std::string& name : inputs) {
        if (absl::EndsWith(stem, "." + name)) {
          batch = stem.substr(0, stem.size() - name.size() - 1);
          input = name;
        }
      }
      if (input.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(file, ": not named BATCH.INPUT.npy for an input of the network (",
                         absl::StrJoin(inputs, ", "), ")"));
      }
    }
    absl::StatusOr<Weights> data = ReadNpyFile(file);
    if (!data.ok()) return data.status();
    batches[batch][input] = *std::move(data);
  }
  std::vector<std::map<std::string, Weights>> ordered;
  for (auto& [name, batch] : batches) {
    for (const std::string& input : inputs) {
      if (batch.count(input) == 0) {
        return absl::InvalidArgumentError(absl::StrCat("--calib_data: batch '", name,
                                                       "' has no file for input '", input, "' (",
                                                       name, ".", input, ".npy)"));
      }
    }
    ordered.push_back(std::move(batch));
  }
  return ordered;
}

// "calibrating [########------------] 12/30" on stderr, redrawn per batch.
void DrawProgress(int done, int total) {
  constexpr int kWidth = 30;
  const int filled = total > 0 ? done * kWidth / total : kWidth;
  std::fprintf(stderr, "\rcalibrating [%s%s] %d/%d", std::string(filled, '#').c_str(),
               std::string(kWidth - filled, '-').c_str(), done, total);
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

int Run(const Args& args) {
  const std::string sample = absl::GetFlag(FLAGS_sample);
  const std::string out = absl::GetFlag(FLAGS_o);
  if (args.positional.size() > 1) {
    return Fail(kName, absl::StrCat("expected one model, got ", args.positional.size()),
                kExitUsage);
  }
  if (sample.empty() == args.positional.empty()) {
    return Fail(kName,
                sample.empty() ? "missing MODEL.onnx (or --sample=lenet5); see 'kiln help "
                                 "calibrate'"
                               : "give either MODEL.onnx or --sample, not both",
                kExitUsage);
  }
  if (out.empty()) return Fail(kName, "missing -o CACHE (where to write the cache)", kExitUsage);
  if (absl::GetFlag(FLAGS_calib_data).empty()) {
    return Fail(kName, "missing --calib_data=DIR (the calibration batches)", kExitUsage);
  }
  CalibratorOptions options;
  absl::StatusOr<CalibratorKind> kind = ParseCalibratorKind(absl::GetFlag(FLAGS_calibrator));
  if (!kind.ok()) return Fail(kName, kind.status().message(), kExitUsage);
  options.kind = *kind;
  options.percentile = absl::GetFlag(FLAGS_percentile);
  if (!(options.percentile > 0.0 && options.percentile <= 100.0)) {
    return Fail(kName, "--percentile must be in (0, 100]", kExitUsage);
  }
  absl::StatusOr<std::map<std::string, Dims>> shapes = ParseShapes(absl::GetFlag(FLAGS_shapes));
  if (!shapes.ok()) return Fail(kName, shapes.status().message(), kExitUsage);

  absl::StatusOr<NetworkDefinition> network =
      sample.empty() ? ImportOnnx(args.positional[0], 1, *shapes) : SampleNetwork(sample);
  if (!network.ok()) return Fail(kName, network.status());
  const Graph& graph = network->graph();
  std::vector<std::string> inputs;
  for (TensorId t : graph.inputs()) inputs.push_back(graph.tensor(t).desc.name);
  absl::StatusOr<std::vector<std::map<std::string, Weights>>> batches =
      ReadBatches(absl::GetFlag(FLAGS_calib_data), inputs);
  if (!batches.ok()) return Fail(kName, batches.status());
  const int total = static_cast<int>(batches->size());
  std::unique_ptr<CalibrationBatches> stream = BatchesFromVector(*std::move(batches));
  DrawProgress(0, total);
  absl::StatusOr<std::map<std::string, float>> thresholds =
      Calibrate(graph, *stream, options, [total](int done) { DrawProgress(done, total); });
  if (!thresholds.ok()) {
    std::fprintf(stderr, "\n");
    return Fail(kName, thresholds.status());
  }
  CalibrationCache cache;
  cache.calibrator = options;
  cache.thresholds = *std::move(thresholds);
  const std::string text = WriteCalibrationCache(cache);
  if (absl::Status s = WriteFileBytes(out, std::vector<uint8_t>(text.begin(), text.end()));
      !s.ok()) {
    return Fail(kName, s);
  }
  std::printf("calibrated %zu tensors on %d batches (%s); cache written to %s\n",
              cache.thresholds.size(), total, options.ToString().c_str(), out.c_str());
  return kExitOk;
}

}  // namespace

const Command& CalibrateCommand() {
  static const Command command{
      "calibrate",
      "kiln calibrate MODEL.onnx --calib_data=DIR -o CACHE [flags]\n       kiln calibrate "
      "--sample=lenet5 --calib_data=DIR -o CACHE [flags]",
      "Measure every tensor's INT8 range on sample batches and write a calibration cache.",
      "Runs the network in fp32 with the reference (cpu_ref) kernels on each batch of\n"
      "--calib_data and gives every float tensor a threshold T (its int8 scale is T/127)\n"
      "by the chosen calibrator: entropy (TensorRT's KL-divergence search, the default),\n"
      "minmax (the largest |x|) or percentile (--percentile of |x|). The cache is text,\n"
      "one tensor per line, and names the calibrator; it is checked against the network\n"
      "that reads it. A progress bar shows the batches.\n"
      "\n"
      "kiln has no int8 tactics yet: the cache is for inspection and for the int8 builds\n"
      "to come (issue 11).\n"
      "\n"
      "Examples:\n"
      "  kiln calibrate resnet50.onnx --calib_data=calib/ -o resnet50.calib\n"
      "  kiln calibrate bert.onnx --calib_data=calib/ --calibrator=percentile "
      "--percentile=99.9 -o bert.calib\n",
      {"o", "sample", "shapes", "calib_data", "calibrator", "percentile", "verbose"},
      Run,
  };
  return command;
}

}  // namespace cli
}  // namespace kiln
