// In the spirit of TensorRT's SampleMNIST: import a trained ONNX model, build
// a plan, serialize it, deserialize it, and run a held-out test split.
//
//   bazel run -c opt //samples:sample_onnx_digits
//
// The model (samples/digits/digits_cnn.onnx) is a small CNN trained with
// PyTorch on scikit-learn's 8x8 handwritten digits (samples/digits/train_digits.py);
// PyTorch scored 97.5% on the same 360 test images.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "importers/onnx/onnx_importer.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tools/npy.h"

ABSL_FLAG(std::string, model, "samples/digits/digits_cnn.onnx", "ONNX model");
ABSL_FLAG(std::string, images, "samples/digits/test_x.npy", "test images, N x 1 x 8 x 8 fp32");
ABSL_FLAG(std::string, labels, "samples/digits/test_y.npy", "test labels, N int64");
ABSL_FLAG(std::string, backend, "", "cpu_ref or cuda (default: cuda when a GPU is present)");
ABSL_FLAG(std::string, plan, "/tmp/digits_cnn.plan", "where to write the plan");
ABSL_FLAG(int, batch, 32, "max batch size to build for; the split runs in batches of this size");
ABSL_FLAG(int, repeats, 20, "timed passes over the split, for latency");

namespace {

int Fail(absl::string_view step, const absl::Status& status) {
  std::fprintf(stderr, "error while %s: %s\n", std::string(step).c_str(),
               status.ToString().c_str());
  return 1;
}

std::string DefaultBackend() {
  const kiln::Backend* cuda = kiln::BackendRegistry::Global().Find("cuda");
  return cuda != nullptr && cuda->Available().ok() ? "cuda" : "cpu_ref";
}

// Runs [first, first + batch) of the split; writes the predicted classes.
absl::Status RunBatch(kiln::ExecutionContext& ctx, const kiln::Engine& engine, const float* images,
                      int batch, std::vector<float>& logits, int* predictions) {
  std::vector<void*> bindings(2);
  bindings[engine.binding_index("image")] = const_cast<float*>(images);
  bindings[engine.binding_index("logits")] = logits.data();
  absl::Status status = ctx.ExecuteFromHost(batch, bindings);
  if (!status.ok()) return status;
  for (int b = 0; b < batch; ++b) {
    const float* row = logits.data() + b * 10;
    predictions[b] = static_cast<int>(std::max_element(row, row + 10) - row);
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Imports the digits CNN from ONNX, builds and serializes a plan, loads it and reports "
      "the accuracy and latency on the held-out test split.");
  absl::ParseCommandLine(argc, argv);
  const int max_batch = absl::GetFlag(FLAGS_batch);
  std::string backend = absl::GetFlag(FLAGS_backend);
  if (backend.empty()) backend = DefaultBackend();

  // 1. Parse the ONNX model; its batch dim is symbolic, so it becomes kiln's batch.
  kiln::OnnxImportOptions options;
  options.batch = max_batch;
  absl::StatusOr<kiln::NetworkDefinition> network =
      kiln::ImportOnnxFile(absl::GetFlag(FLAGS_model), options);
  if (!network.ok()) return Fail("importing the model", network.status());

  // 2. Build and serialize.
  kiln::StderrLogger logger(kiln::Logger::Severity::kInfo);
  kiln::BuildConfig config;
  config.max_batch = max_batch;
  config.backends = {backend};
  config.logger = &logger;
  absl::StatusOr<kiln::Plan> plan = kiln::Builder::Build(*network, config);
  if (!plan.ok()) return Fail("building the plan", plan.status());
  absl::StatusOr<std::vector<uint8_t>> bytes = kiln::PlanWriter::Write(*plan);
  if (!bytes.ok()) return Fail("serializing the plan", bytes.status());
  std::ofstream(absl::GetFlag(FLAGS_plan), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes->data()), bytes->size());

  // 3. Deserialize (as a service would, from the file) and run the split.
  std::ifstream in(absl::GetFlag(FLAGS_plan), std::ios::binary);
  std::vector<uint8_t> loaded((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<std::unique_ptr<kiln::Engine>> engine = kiln::Runtime::Deserialize(loaded);
  if (!engine.ok()) return Fail("loading the plan", engine.status());
  absl::StatusOr<std::unique_ptr<kiln::ExecutionContext>> ctx = (*engine)->CreateExecutionContext();
  if (!ctx.ok()) return Fail("creating an execution context", ctx.status());

  absl::StatusOr<kiln::Weights> images = kiln::ReadNpyFile(absl::GetFlag(FLAGS_images));
  if (!images.ok()) return Fail("reading the images", images.status());
  absl::StatusOr<kiln::Weights> labels = kiln::ReadNpyFile(absl::GetFlag(FLAGS_labels));
  if (!labels.ok()) return Fail("reading the labels", labels.status());
  const kiln::Dims& dims = images->dims();
  if (images->dtype() != kiln::DataType::kFloat32 || dims.size() != 4 || dims[1] != 1 ||
      dims[2] != 8 || dims[3] != 8 || labels->dtype() != kiln::DataType::kInt64 ||
      kiln::Volume(labels->dims()) != dims[0]) {
    return Fail("checking the data", absl::InvalidArgumentError(absl::StrCat(
                                         "expected N x 1 x 8 x 8 fp32 images and N int64 labels, "
                                         "got images fp32? ", kiln::DimsString(dims), " labels ",
                                         kiln::DimsString(labels->dims()))));
  }
  const int n = static_cast<int>(dims[0]);
  std::vector<float> logits(max_batch * 10);
  std::vector<int> predictions(n);
  std::vector<double> batch_ms;
  for (int repeat = 0; repeat < absl::GetFlag(FLAGS_repeats) + 1; ++repeat) {
    for (int first = 0; first < n; first += max_batch) {
      const int batch = std::min(max_batch, n - first);
      const auto start = std::chrono::steady_clock::now();
      absl::Status status = RunBatch(**ctx, **engine, images->as<float>() + first * 64, batch,
                                     logits, predictions.data() + first);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (!status.ok()) return Fail("running a batch", status);
      if (repeat > 0 && batch == max_batch) batch_ms.push_back(ms);  // first pass is warm-up
    }
  }
  int correct = 0;
  for (int i = 0; i < n; ++i) correct += predictions[i] == labels->as<int64_t>()[i];
  std::sort(batch_ms.begin(), batch_ms.end());
  std::printf("backend %s, %d test images: accuracy %.2f%% (%d/%d)\n", backend.c_str(), n,
              100.0 * correct / n, correct, n);
  if (!batch_ms.empty()) {
    const double median = batch_ms[batch_ms.size() / 2];
    std::printf("latency per batch of %d: median %.3f ms, min %.3f ms; throughput %.0f images/s\n",
                max_batch, median, batch_ms.front(), max_batch * 1000.0 / median);
  }
  return 0;
}
