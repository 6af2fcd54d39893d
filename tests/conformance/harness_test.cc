// Checks that the conformance harness catches what it is meant to catch:
// fake Activation tactics (fp32 ReLU only) with known defects run through
// RunCase against cpu_ref.activation.

#include "tests/conformance/harness.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "backends/backend.h"
#include "backends/tactic_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/element_wise.h"

namespace kiln {
namespace conformance {
namespace {

using ::testing::HasSubstr;

enum class Defect {
  kNone,
  kSkipLastElement,  // leaves the last output element unwritten
  kRelativeError,    // every output off by a relative 1e-3
  kOneUlp,           // positive outputs one ULP up
  kNaN,              // writes NaN into element 0
};

class FakeReluKernel : public Kernel {
 public:
  explicit FakeReluKernel(Defect defect) : defect_(defect) {}

  absl::Status Run(const KernelArgs& args) const override {
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    int64_t n = args.output_descs[0].volume();
    if (defect_ == Defect::kSkipLastElement) --n;
    for (int64_t i = 0; i < n; ++i) {
      float y = std::max(in[i], 0.0f);
      if (defect_ == Defect::kRelativeError) y *= 1.001f;
      if (defect_ == Defect::kOneUlp && y > 0.0f) y = std::nextafter(y, 1e30f);
      out[i] = y;
    }
    if (defect_ == Defect::kNaN) out[0] = std::numeric_limits<float>::quiet_NaN();
    return absl::OkStatus();
  }

 private:
  Defect defect_;
};

class FakeReluTactic : public Tactic {
 public:
  FakeReluTactic(std::string name, std::string backend, Defect defect)
      : Tactic(TacticInfo{std::move(name), kActivationOp, std::move(backend), false}),
        defect_(defect) {}

  absl::Status Supports(const NodeContext& node) const override {
    absl::StatusOr<ActivationParams> params = ActivationParams::FromAttrs(node.attrs);
    if (!params.ok() || params->type != ActivationType::kRelu ||
        node.inputs[0].dtype != DataType::kFloat32) {
      return absl::UnimplementedError("fp32 ReLU only");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<FakeReluKernel>(defect_));
  }

 private:
  Defect defect_;
};

// A backend that is never available, as a GPU backend on a CPU machine.
class UnavailableBackend : public Backend {
 public:
  std::string name() const override { return "harness_test_unavailable"; }
  absl::Status Available() const override {
    return absl::UnavailableError("no such device on this machine");
  }
  std::string DeviceSignature() const override { return "none"; }
  bool host_memory() const override { return true; }
  absl::StatusOr<std::unique_ptr<DeviceBuffer>> Allocate(size_t) const override {
    return absl::UnavailableError("unavailable");
  }
  absl::Status CopyFromHost(void*, const void*, size_t) const override {
    return absl::UnavailableError("unavailable");
  }
  absl::Status CopyToHost(void*, const void*, size_t) const override {
    return absl::UnavailableError("unavailable");
  }
  absl::StatusOr<std::unique_ptr<ExecutionResources>> CreateResources() const override {
    return absl::UnavailableError("unavailable");
  }
  absl::StatusOr<double> TimeMs(ExecutionResources*,
                                const std::function<absl::Status()>&) const override {
    return absl::UnavailableError("unavailable");
  }
};

KILN_REGISTER_TACTIC(std::make_unique<FakeReluTactic>("harness_test.relu.correct", "cpu_ref",
                                                      Defect::kNone));
KILN_REGISTER_TACTIC(std::make_unique<FakeReluTactic>("harness_test.relu.skip_last", "cpu_ref",
                                                      Defect::kSkipLastElement));
KILN_REGISTER_TACTIC(std::make_unique<FakeReluTactic>("harness_test.relu.relative_error",
                                                      "cpu_ref", Defect::kRelativeError));
KILN_REGISTER_TACTIC(std::make_unique<FakeReluTactic>("harness_test.relu.one_ulp", "cpu_ref",
                                                      Defect::kOneUlp));
KILN_REGISTER_TACTIC(std::make_unique<FakeReluTactic>("harness_test.relu.nan", "cpu_ref",
                                                      Defect::kNaN));
KILN_REGISTER_BACKEND(std::make_unique<UnavailableBackend>());
KILN_REGISTER_TACTIC(std::make_unique<FakeReluTactic>("harness_test.relu.unavailable",
                                                      "harness_test_unavailable", Defect::kNone));

const Tactic& Find(absl::string_view name) {
  const Tactic* tactic = TacticRegistry::Global().Find(name);
  EXPECT_NE(tactic, nullptr) << name;
  return *tactic;
}

// ReLU on random fp32 data of shape 3x5x7 (batch 3, so batch 1 runs too).
OpCase ReluCase(Tolerance tolerance, DataType dtype = DataType::kFloat32) {
  std::mt19937 rng(7);
  OpCase c;
  c.op = kActivationOp;
  c.attrs = ActivationParams{}.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, {3, 5, 7}, rng))};
  c.tolerance = tolerance;
  return c;
}

TEST(HarnessTest, CorrectTacticMatchesBitExactly) {
  absl::StatusOr<CaseResult> r =
      RunCase(ReluCase(Tolerance::BitExact()), Find("harness_test.relu.correct"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->supported);
  EXPECT_EQ(r->failure, "");
  EXPECT_EQ(r->error.bit_mismatches, 0);
  // Batch 3 and batch 1, each run twice (NaN and 0x5A poison): 2 * (105 + 35).
  EXPECT_EQ(r->error.elements, 280);
}

TEST(HarnessTest, ReferenceMatchesItselfThroughThePlan) {
  absl::StatusOr<CaseResult> r =
      RunCase(ReluCase(Tolerance::BitExact()), *TacticRegistry::Global().Reference(kActivationOp));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->failure, "");
}

TEST(HarnessTest, CatchesUnwrittenElement) {
  absl::StatusOr<CaseResult> r =
      RunCase(ReluCase(Tolerance::RelL2(1e-5)), Find("harness_test.relu.skip_last"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->failure, HasSubstr("NaN (unwritten?) where the reference has a number"));
  // The 0x5A-poisoned rerun catches it as a value error too.
  EXPECT_THAT(r->failure, HasSubstr("0x5A-poisoned rerun"));
  EXPECT_GT(r->error.bad_elements, 0);
}

TEST(HarnessTest, CatchesRelativeErrorAboveTheBound) {
  absl::StatusOr<CaseResult> r =
      RunCase(ReluCase(Tolerance::RelL2(1e-5)), Find("harness_test.relu.relative_error"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->failure, HasSubstr("exceeds the bound 1e-05"));
  EXPECT_NEAR(r->error.rel_l2, 1e-3, 1e-4);
}

TEST(HarnessTest, OneUlpPassesAnL2BoundButNotBitExact) {
  absl::StatusOr<CaseResult> loose =
      RunCase(ReluCase(Tolerance::RelL2(1e-5)), Find("harness_test.relu.one_ulp"));
  ASSERT_TRUE(loose.ok()) << loose.status();
  EXPECT_EQ(loose->failure, "");
  EXPECT_EQ(loose->error.max_ulp, 1.0);

  absl::StatusOr<CaseResult> exact =
      RunCase(ReluCase(Tolerance::BitExact()), Find("harness_test.relu.one_ulp"));
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_THAT(exact->failure, HasSubstr("differ from the reference bit-wise"));
}

TEST(HarnessTest, CatchesNaNOutput) {
  absl::StatusOr<CaseResult> r =
      RunCase(ReluCase(Tolerance::RelL2(1e-5)), Find("harness_test.relu.nan"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->failure, HasSubstr("[0] NaN"));
}

TEST(HarnessTest, ReportsUnsupportedCase) {
  absl::StatusOr<CaseResult> r = RunCase(ReluCase(Tolerance::BitExact(), DataType::kFloat16),
                                         Find("harness_test.relu.correct"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->supported);
  EXPECT_EQ(r->unsupported_reason, "fp32 ReLU only");
}

TEST(HarnessTest, RefusesNetworkInputsWithDifferentBatches) {
  // Dim 0 of every network input is the batch, so two inputs must agree on it.
  std::mt19937 rng(1);
  OpCase c;
  c.op = kElementWiseOp;
  c.attrs = ElementWiseParams{}.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(DataType::kFloat32, {2, 3}, rng)),
              Input(RandomFloatTensor(DataType::kFloat32, {1, 3}, rng))};
  absl::StatusOr<CaseResult> r = RunCase(c, Find("cpu_ref.element_wise.direct"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("the same dim 0 (the batch), here 2"));

  OpCase constant = ReluCase(Tolerance::BitExact());
  constant.inputs = {Constant(RandomFloatTensor(DataType::kFloat32, {2, 3}, rng))};
  r = RunCase(constant, Find("harness_test.relu.correct"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("every input is constant"));
}

TEST(HarnessTest, RefusesTacticOfAnotherOp) {
  EXPECT_FALSE(RunCase(ReluCase(Tolerance::BitExact()), Find("cpu_ref.element_wise.direct")).ok());
}

TEST(CompareOutputsTest, IntegersMustMatchExactly) {
  Weights a(DataType::kInt32, {3}), b(DataType::kInt32, {3});
  a.mutable_as<int32_t>()[1] = 5;
  b.mutable_as<int32_t>()[1] = 6;
  ErrorStats stats;
  EXPECT_THAT(CompareOutputs(a, b, Tolerance::RelL2(1.0), &stats), HasSubstr("1 of 3 elements"));
  EXPECT_EQ(stats.bit_mismatches, 1);
}

TEST(CompareOutputsTest, InfinitiesAndNaNsMustMatchInKind) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Weights got = Weights::FromFloats({3}, {inf, nan, 1.0f});
  ErrorStats stats;
  EXPECT_EQ(CompareOutputs(got, Weights::FromFloats({3}, {inf, nan, 1.0f}),
                           Tolerance::RelL2(1e-5), &stats),
            "");
  EXPECT_NE(CompareOutputs(got, Weights::FromFloats({3}, {-inf, nan, 1.0f}),
                           Tolerance::RelL2(1e-5), &stats),
            "");
  EXPECT_NE(CompareOutputs(got, Weights::FromFloats({3}, {inf, 0.0f, 1.0f}),
                           Tolerance::RelL2(1e-5), &stats),
            "");
  EXPECT_EQ(stats.bad_elements, 1);
}

TEST(CompareOutputsTest, AnyNaNToleranceIgnoresNaNPayloads) {
  Weights a(DataType::kFloat16, {2}), b(DataType::kFloat16, {2});
  a.mutable_as<uint16_t>()[0] = 0x7e00;
  b.mutable_as<uint16_t>()[0] = 0x7fff;
  ErrorStats stats;
  EXPECT_NE(CompareOutputs(a, b, Tolerance::BitExact(), &stats), "");
  EXPECT_EQ(CompareOutputs(a, b, Tolerance::BitExactAnyNaN(), &stats), "");
}

TEST(CompareOutputsTest, ShapeMismatchIsAFailure) {
  ErrorStats stats;
  EXPECT_THAT(CompareOutputs(Weights(DataType::kFloat32, {2, 3}), Weights(DataType::kFloat32, {6}),
                             Tolerance::BitExact(), &stats),
              HasSubstr("fp32[2x3], the reference's fp32[6]"));
}

TEST(TacticNamesTest, ListsEveryBackendsTacticsOfTheOpSorted) {
  const std::vector<std::string> names = TacticNamesFor(kActivationOp);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "cpu_ref.activation"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "harness_test.relu.unavailable"), names.end());
  EXPECT_EQ(TacticParamName({"cpu_ref.convolution.im2col", 0}), "cpu_ref_convolution_im2col");
}

// Instantiated over the tactic of the unavailable backend only: SetUp must
// skip it before the body runs.
class SkipTest : public ConformanceTest {};

TEST_P(SkipTest, UnavailableBackendIsSkipped) {
  ADD_FAILURE() << GetParam() << " should have been skipped: its backend is unavailable";
}

INSTANTIATE_TEST_SUITE_P(Unavailable, SkipTest,
                         ::testing::Values(std::string("harness_test.relu.unavailable")),
                         TacticParamName);

}  // namespace
}  // namespace conformance
}  // namespace kiln
