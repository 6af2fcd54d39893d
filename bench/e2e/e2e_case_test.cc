// A whole case on cpu_ref with a small real network: the digits CNN
// (samples/digits, trained and exported by PyTorch) and PyTorch's logits for
// its first test images, laid out as export_models.py lays out a model.
#include "bench/e2e/e2e_case.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tools/npy.h"

namespace kiln {
namespace bench {
namespace {

constexpr int kBatch = 16;

// The first `rows` rows of an .npy file's array.
Weights FirstRows(const std::string& path, int rows) {
  absl::StatusOr<Weights> all = ReadNpyFile(path);
  EXPECT_TRUE(all.ok()) << all.status();
  Dims dims = all->dims();
  const int64_t row = Volume(dims) / dims[0];
  dims[0] = rows;
  return Weights::FromBytes(all->dtype(), dims, all->data(), rows * row * sizeof(float));
}

class E2eCaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/e2e_case_test";
    std::filesystem::create_directories(dir_ + "/plans");
    std::filesystem::copy_file("samples/digits/digits_cnn.onnx", ModelPath(dir_, "digits"),
                               std::filesystem::copy_options::overwrite_existing);
    ASSERT_TRUE(WriteNpyFile(InputPath(dir_, "digits", kBatch),
                             FirstRows("samples/digits/test_x.npy", kBatch))
                    .ok());
    reference_ = FirstRows("samples/digits/torch_test_logits.npy", kBatch);
    ASSERT_TRUE(WriteNpyFile(ReferencePath(dir_, "digits", kBatch), reference_).ok());
    options_.models_dir = dir_;
    options_.backend = "cpu_ref";
    options_.warmup_runs = 1;
  }

  std::string dir_;
  Weights reference_;
  CaseOptions options_;
};

TEST_F(E2eCaseTest, BuildsLoadsChecksAndTimes) {
  options_.plans_dir = dir_ + "/plans";
  options_.timing_cache_path = dir_ + "/cache.bin";
  const CaseSpec spec{"digits", "fp32", kBatch};
  EXPECT_EQ(spec.Name(), "e2e/digits/fp32/b16");
  absl::StatusOr<std::unique_ptr<PreparedCase>> c = PreparedCase::Create(spec, options_);
  ASSERT_TRUE(c.ok()) << c.status();
  const LogitsComparison& a = (*c)->accuracy();
  std::printf(
      "digits b%d on cpu_ref: rel-L2 %.3g, top-1 %.3f, build %.3f s cold, %.3f s warm, "
      "%d layers\n",
      kBatch, a.rel_l2, a.top1_agree, (*c)->build_s_cold(), (*c)->build_s_warm(), (*c)->layers());
  EXPECT_EQ((*c)->violation(), "");
  EXPECT_LT(a.rel_l2, 1e-5);
  EXPECT_EQ(a.top1_agree, 1.0);
  EXPECT_EQ(a.rows, kBatch);
  EXPECT_EQ(a.classes, 10);
  EXPECT_GT((*c)->layers(), 0);
  EXPECT_GT((*c)->build_s_cold(), 0);
  EXPECT_GT((*c)->build_s_warm(), 0);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/plans/digits.fp32.b16.plan"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/cache.digits.fp32.b16.bin"));

  // Create leaves the outputs NaN, so a later check sees only later runs.
  absl::StatusOr<LogitsComparison> before = (*c)->CheckCurrentOutput();
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->non_finite, kBatch * 10);

  absl::StatusOr<double> ms = (*c)->TimeOneRunMs();
  ASSERT_TRUE(ms.ok()) << ms.status();
  EXPECT_GT(*ms, 0);
  absl::StatusOr<LogitsComparison> after = (*c)->CheckCurrentOutput();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->rel_l2, a.rel_l2);
}

// A reference the output cannot match is a violation, not an error: the
// case still builds and runs, and says why it fails.
TEST_F(E2eCaseTest, WrongReferenceIsAViolation) {
  Weights negated = reference_;
  for (int64_t i = 0; i < Volume(negated.dims()); ++i) {
    negated.mutable_as<float>()[i] = -negated.as<float>()[i];
  }
  ASSERT_TRUE(WriteNpyFile(ReferencePath(dir_, "digits", kBatch), negated).ok());
  absl::StatusOr<std::unique_ptr<PreparedCase>> c =
      PreparedCase::Create({"digits", "fp16", kBatch}, options_);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NEAR((*c)->accuracy().rel_l2, 2.0, 1e-4);
  EXPECT_NE((*c)->violation().find("rel-L2 2 > 0.01"), std::string::npos) << (*c)->violation();
  EXPECT_NE((*c)->violation().find("top-1 differs"), std::string::npos) << (*c)->violation();
}

TEST_F(E2eCaseTest, MissingFilesAndBadSpecsAreErrors) {
  absl::StatusOr<std::unique_ptr<PreparedCase>> c =
      PreparedCase::Create({"digits", "fp32", 4}, options_);  // no b4 files
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("digits.b4.input.npy"), std::string::npos) << c.status();
  EXPECT_FALSE(PreparedCase::Create({"digits", "int8", kBatch}, options_).ok());
  options_.backend = "no_such_backend";
  c = PreparedCase::Create({"digits", "fp32", kBatch}, options_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("no_such_backend"), std::string::npos) << c.status();
}

// export_models.py writes each peer's own error next to the inputs; the
// case reads the one of its precision (fp16: PyTorch fp16, tf32: PyTorch
// TF32, fp32: onnxruntime) and widens its bound to 1.25x that, never below
// the base bound.
TEST_F(E2eCaseTest, PeerErrorFilesWidenTheBoundOfTheirPrecision) {
  auto write = [&](const char* suffix, double value) {
    std::ofstream(absl::StrCat(dir_, "/digits.b", kBatch, suffix)) << value << "\n";
  };
  write(".torch_fp16_rel_l2.txt", 0.04);
  write(".torch_tf32_rel_l2.txt", 0.02);
  write(".onnxruntime_fp32_rel_l2.txt", 2e-5);
  const struct {
    const char* precision;
    double bound;
  } cases[] = {{"fp16", 0.05}, {"tf32", 0.025}, {"fp32", 2.5e-5}};
  for (const auto& c : cases) {
    absl::StatusOr<std::unique_ptr<PreparedCase>> prepared =
        PreparedCase::Create({"digits", c.precision, kBatch}, options_);
    ASSERT_TRUE(prepared.ok()) << c.precision << ": " << prepared.status();
    EXPECT_NEAR((*prepared)->bound().max_rel_l2, c.bound, c.bound * 1e-9) << c.precision;
  }
  write(".torch_tf32_rel_l2.txt", 1e-3);  // a peer better than the base bound
  absl::StatusOr<std::unique_ptr<PreparedCase>> tf32 =
      PreparedCase::Create({"digits", "tf32", kBatch}, options_);
  ASSERT_TRUE(tf32.ok()) << tf32.status();
  EXPECT_DOUBLE_EQ((*tf32)->bound().max_rel_l2, 1e-2);
}

TEST(PerCasePathTest, PutsTheCaseBeforeTheExtension) {
  EXPECT_EQ(PerCasePath("/tmp/cache.bin", "r50.fp16.b1"), "/tmp/cache.r50.fp16.b1.bin");
  EXPECT_EQ(PerCasePath("/tmp/cache", "r50.fp16.b1"), "/tmp/cache.r50.fp16.b1");
  EXPECT_EQ(PerCasePath("/tmp.d/cache", "x"), "/tmp.d/cache.x");
  EXPECT_EQ(PerCasePath(".cache", "x"), ".cache.x");
}

}  // namespace
}  // namespace bench
}  // namespace kiln
