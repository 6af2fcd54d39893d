// The README's main job as a test: the digits CNN trained with PyTorch,
// imported from ONNX, built for cpu_ref, serialized, loaded and run on the
// held-out split. Its logits must match PyTorch's and so must the accuracy.
#include <cmath>
#include <fstream>

#include "gtest/gtest.h"
#include "importers/onnx/onnx_importer.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tools/npy.h"

namespace kiln {
namespace {

constexpr char kDir[] = "samples/digits/";

TEST(DigitsTest, MatchesPyTorchOnTheHeldOutSplit) {
  auto images = ReadNpyFile(std::string(kDir) + "test_x.npy");
  auto labels = ReadNpyFile(std::string(kDir) + "test_y.npy");
  auto torch_logits = ReadNpyFile(std::string(kDir) + "torch_test_logits.npy");
  ASSERT_TRUE(images.ok() && labels.ok() && torch_logits.ok())
      << images.status() << labels.status() << torch_logits.status();
  const int n = static_cast<int>(images->dims()[0]);
  ASSERT_EQ(n, 360);

  OnnxImportOptions options;
  options.batch = 64;
  auto network = ImportOnnxFile(std::string(kDir) + "digits_cnn.onnx", options);
  ASSERT_TRUE(network.ok()) << network.status();
  BuildConfig config;
  config.max_batch = 64;
  auto plan = Builder::Build(*network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto engine = Runtime::Deserialize(*PlanWriter::Write(*plan));
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto ctx = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(ctx.ok());

  std::vector<float> logits(n * 10, NAN);
  for (int first = 0; first < n; first += 64) {
    const int batch = std::min(64, n - first);
    std::vector<void*> bindings(2);
    bindings[(*engine)->binding_index("image")] =
        const_cast<float*>(images->as<float>() + first * 64);
    bindings[(*engine)->binding_index("logits")] = logits.data() + first * 10;
    ASSERT_TRUE((*ctx)->Execute(batch, bindings).ok());
  }
  int correct = 0, agree = 0;
  double max_err = 0;
  for (int i = 0; i < n; ++i) {
    const float* ours = logits.data() + i * 10;
    const float* theirs = torch_logits->as<float>() + i * 10;
    const int pred = static_cast<int>(std::max_element(ours, ours + 10) - ours);
    const int torch_pred = static_cast<int>(std::max_element(theirs, theirs + 10) - theirs);
    correct += pred == labels->as<int64_t>()[i];
    agree += pred == torch_pred;
    for (int k = 0; k < 10; ++k) max_err = std::max(max_err, double(std::fabs(ours[k] - theirs[k])));
  }
  std::printf("digits: accuracy %d/%d, top-1 agreement with PyTorch %d/%d, max |logit diff| %.3g\n",
              correct, n, agree, n, max_err);
  EXPECT_EQ(agree, n);
  EXPECT_EQ(correct, 351);  // PyTorch: 0.975 * 360 (samples/digits/training_result.json)
  EXPECT_LT(max_err, 1e-3);
}

}  // namespace
}  // namespace kiln
