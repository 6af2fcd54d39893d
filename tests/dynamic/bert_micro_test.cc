// One plan for every (batch, seq) of a profile, from a transformers BERT
// exported with dynamic axes (make_bert_micro.py): the importer folds its
// Shape arithmetic at the import dims and, from probe imports at other dims,
// writes the reshapes, the padding mask's index gather and the position ids
// so that they follow the input dims at run time (onnx_importer.h). Each run
// is compared with PyTorch fp32 at that shape, with padded sequences.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/backend.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importers/onnx/onnx_importer.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tools/npy.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

const char* const kInputs[] = {"input_ids", "attention_mask", "token_type_ids"};
constexpr char kDir[] = "tests/dynamic/";

struct Shape {
  int64_t batch, seq;
};
// The shapes make_bert_micro.py wrote references for.
constexpr Shape kShapes[] = {{1, 4}, {2, 16}, {3, 37}, {4, 64}};

ShapeProfile Profile() {
  ShapeProfile profile;
  for (const char* name : kInputs) {
    profile.inputs.push_back(InputShapeRange{name, {1, 4}, {2, 16}, {4, 64}});
  }
  return profile;
}

// The same model from torch.onnx's TorchScript exporter and from its dynamo
// exporter (whose padding mask is a GatherND over Range-made index pairs).
constexpr const char* kModels[] = {"bert_micro.onnx", "bert_micro_dynamo.onnx"};

absl::StatusOr<NetworkDefinition> Import(const std::string& model) {
  OnnxImportOptions options;
  options.batch = 4;
  for (const char* name : kInputs) options.input_shapes[name] = {4, 64};
  return ImportOnnxFile(absl::StrCat(kDir, model), options);
}

double RelL2(const std::vector<float>& got, const Weights& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = got[i] - want.as<float>()[i];
    num += d * d;
    den += static_cast<double>(want.as<float>()[i]) * want.as<float>()[i];
  }
  return std::sqrt(num / den);
}

// Builds one plan for the profile and runs it at every reference shape.
void RunAllShapes(const std::string& model, const std::string& backend, bool fp16,
                  double tolerance) {
  SCOPED_TRACE(model);
  auto network = Import(model);
  ASSERT_TRUE(network.ok()) << network.status();
  EXPECT_THAT(network->pinned_shapes(), ::testing::IsEmpty());
  BuildConfig config;
  config.backends = {backend};
  config.allow_fp16 = fp16;
  config.timing_iterations = 1;
  config.profiles = {Profile()};
  auto plan = Builder::Build(*network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto engine = Runtime::Deserialize(*PlanWriter::Write(*plan));
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto context = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(context.ok()) << context.status();
  for (const Shape& shape : kShapes) {
    const std::string tag = absl::StrCat("b", shape.batch, "_s", shape.seq);
    SCOPED_TRACE(tag);
    std::vector<Weights> inputs;
    std::vector<void*> bindings((*engine)->num_bindings(), nullptr);
    for (const char* name : kInputs) {
      auto data = ReadNpyFile(absl::StrCat(kDir, tag, ".", name, ".npy"));
      ASSERT_TRUE(data.ok()) << data.status();
      inputs.push_back(*std::move(data));
      ASSERT_TRUE((*context)->SetInputShape(name, {shape.batch, shape.seq}).ok());
      const int b = (*engine)->binding_index(name);
      ASSERT_GE(b, 0) << name;
      bindings[b] = inputs.back().mutable_data();
    }
    auto want = ReadNpyFile(absl::StrCat(kDir, tag, ".last_hidden_state.npy"));
    ASSERT_TRUE(want.ok()) << want.status();
    const int out = (*engine)->binding_index("last_hidden_state");
    ASSERT_GE(out, 0);
    auto desc = (*context)->binding_desc(out);
    ASSERT_TRUE(desc.ok()) << desc.status();
    ASSERT_EQ(desc->dims, want->dims());
    ASSERT_EQ(desc->dtype, DataType::kFloat32);
    std::vector<float> got(desc->volume(), NAN);
    bindings[out] = got.data();
    ASSERT_TRUE((*context)->ExecuteFromHost(bindings).ok());
    const double err = RelL2(got, *want);
    std::printf("%s %s %s%s: rel-L2 %.3g\n", model.c_str(), backend.c_str(), tag.c_str(),
                fp16 ? " fp16" : "", err);
    EXPECT_LE(err, tolerance);
  }
  // Outside the profile: refused, naming the input, the dim and the range.
  absl::Status outside = (*context)->SetInputShape("input_ids", {2, 65});
  EXPECT_FALSE(outside.ok());
  EXPECT_THAT(std::string(outside.message()), HasSubstr("input_ids"));
  EXPECT_THAT(std::string(outside.message()), HasSubstr("4..64"));
}

TEST(BertMicroTest, ImportKeepsShapesDynamic) {
  for (const char* model : kModels) {
    auto network = Import(model);
    ASSERT_TRUE(network.ok()) << model << ": " << network.status();
    EXPECT_THAT(network->pinned_shapes(), ::testing::IsEmpty()) << model;
  }
}

TEST(BertMicroTest, OnePlanEveryShapeOnCpuRef) {
  for (const char* model : kModels) RunAllShapes(model, "cpu_ref", false, 1e-5);
}

class BertMicroCudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Backend* cuda = BackendRegistry::Global().Find("cuda");
    if (cuda == nullptr) GTEST_SKIP() << "this build has no cuda backend";
    if (absl::Status s = cuda->Available(); !s.ok()) {
      GTEST_SKIP() << "cuda backend cannot run here: " << s;
    }
  }
};

TEST_F(BertMicroCudaTest, OnePlanEveryShapeFp32) {
  for (const char* model : kModels) RunAllShapes(model, "cuda", false, 1e-5);
}
TEST_F(BertMicroCudaTest, OnePlanEveryShapeFp16) {
  for (const char* model : kModels) RunAllShapes(model, "cuda", true, 1e-2);
}

}  // namespace
}  // namespace kiln
