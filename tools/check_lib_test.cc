#include "tools/check_lib.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/evaluate.h"
#include "backends/tactic_registry.h"
#include "graph/reformat.h"
#include "gtest/gtest.h"
#include "ops/softmax.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "samples/networks.h"
#include "serialization/node_context.h"

namespace kiln {
namespace cli {
namespace {

// SoftMax that is wrong on purpose: the reference's result, then one element
// moved by +0.5 (or made NaN). Registered under a backend of its own, so no
// build picks it; tests put it into a plan by name.
class BrokenSoftMaxKernel : public Kernel {
 public:
  BrokenSoftMaxKernel(std::unique_ptr<Kernel> reference, bool nan)
      : reference_(std::move(reference)), nan_(nan) {}
  absl::Status Run(const KernelArgs& args) const override {
    absl::Status s = reference_->Run(args);
    float* out = static_cast<float*>(args.outputs[0]);
    out[3] = nan_ ? std::numeric_limits<float>::quiet_NaN() : out[3] + 0.5f;
    return s;
  }

 private:
  std::unique_ptr<Kernel> reference_;
  bool nan_;
};

class BrokenSoftMaxTactic : public Tactic {
 public:
  BrokenSoftMaxTactic(const char* name, bool nan)
      : Tactic(TacticInfo{name, kSoftMaxOp, "test_broken"}), nan_(nan) {}
  absl::Status Supports(const NodeContext& node) const override {
    return Reference().Supports(node);
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state) const override {
    absl::StatusOr<std::unique_ptr<Kernel>> reference = Reference().CreateKernel(node, state);
    if (!reference.ok()) return reference.status();
    return std::unique_ptr<Kernel>(
        std::make_unique<BrokenSoftMaxKernel>(*std::move(reference), nan_));
  }

 private:
  static const Tactic& Reference() { return *TacticRegistry::Global().Reference(kSoftMaxOp); }
  bool nan_;
};

// SoftMax that is right on its first run only, as a race or a stale CUDA
// graph would be: each later run adds 0.1 more to one element.
class DriftingSoftMaxKernel : public Kernel {
 public:
  explicit DriftingSoftMaxKernel(std::unique_ptr<Kernel> reference)
      : reference_(std::move(reference)) {}
  absl::Status Run(const KernelArgs& args) const override {
    absl::Status s = reference_->Run(args);
    static_cast<float*>(args.outputs[0])[0] += 0.1f * runs_++;
    return s;
  }

 private:
  std::unique_ptr<Kernel> reference_;
  mutable int runs_ = 0;  // test-only state; real kernels keep none
};

class DriftingSoftMaxTactic : public Tactic {
 public:
  DriftingSoftMaxTactic() : Tactic(TacticInfo{"test.softmax.drifting", kSoftMaxOp, "test_broken"}) {}
  absl::Status Supports(const NodeContext& node) const override {
    return TacticRegistry::Global().Reference(kSoftMaxOp)->Supports(node);
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state) const override {
    absl::StatusOr<std::unique_ptr<Kernel>> reference =
        TacticRegistry::Global().Reference(kSoftMaxOp)->CreateKernel(node, state);
    if (!reference.ok()) return reference.status();
    return std::unique_ptr<Kernel>(std::make_unique<DriftingSoftMaxKernel>(*std::move(reference)));
  }
};

KILN_REGISTER_TACTIC(std::make_unique<BrokenSoftMaxTactic>("test.softmax.off_by_half", false));
KILN_REGISTER_TACTIC(std::make_unique<DriftingSoftMaxTactic>());
KILN_REGISTER_TACTIC(std::make_unique<BrokenSoftMaxTactic>("test.softmax.nan", true));

Plan LeNetPlan(int max_batch) {
  absl::StatusOr<NetworkDefinition> network = samples::LeNet5(/*seed=*/7);
  EXPECT_TRUE(network.ok()) << network.status();
  BuildConfig config;
  config.max_batch = max_batch;
  config.timing_iterations = 1;
  absl::StatusOr<Plan> plan = Builder::Build(*network, config);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *std::move(plan);
}

// Runs CheckEngine on `plan` at `batch` with random inputs.
CheckSummary Check(Plan plan, int batch, std::vector<std::string>* lines = nullptr,
                   CheckOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Runtime::CreateEngine(std::move(plan));
  EXPECT_TRUE(engine.ok()) << engine.status();
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<Weights> inputs;
  std::vector<std::unique_ptr<DeviceBuffer>> buffers;
  std::vector<void*> bindings;
  for (int i = 0; i < (*engine)->num_bindings(); ++i) {
    absl::StatusOr<TensorDesc> desc = (*engine)->binding_desc(i, batch);
    EXPECT_TRUE(desc.ok()) << desc.status();
    buffers.push_back(std::make_unique<HostBuffer>(desc->bytes()));
    bindings.push_back(buffers.back()->data());
    if (!(*engine)->is_input(i)) continue;
    Weights w(desc->dtype, desc->dims);
    for (int64_t k = 0; k < desc->volume(); ++k) w.mutable_as<float>()[k] = dist(rng);
    std::memcpy(bindings.back(), w.data(), w.bytes());
    inputs.push_back(std::move(w));
  }
  absl::StatusOr<CheckSummary> summary =
      CheckEngine(**engine, batch, bindings, inputs, options,
                  [lines](const LayerReport& r) {
                    if (lines != nullptr) lines->push_back(LayerLine(r));
                  });
  EXPECT_TRUE(summary.ok()) << summary.status();
  return *std::move(summary);
}

int NodeIndex(const Plan& plan, const std::string& name) {
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    if (plan.nodes[i].name == name) return static_cast<int>(i);
  }
  ADD_FAILURE() << "no layer " << name;
  return -1;
}

TEST(CompareTest, MeasuresRelativeAndAbsoluteError) {
  Weights want = Weights::FromFloats({4}, {3, 0, 0, 4});
  Weights got = Weights::FromFloats({4}, {3, 0, 0, 4.5f});
  Comparison c = Compare(got, want);
  EXPECT_FALSE(c.exact);
  EXPECT_NEAR(c.rel_l2, 0.5 / 5.0, 1e-12);
  EXPECT_NEAR(c.max_abs, 0.5, 1e-12);
  EXPECT_EQ(c.non_finite, 0);
  EXPECT_EQ(c.mismatched, 0);
  EXPECT_EQ(Compare(want, want).rel_l2, 0.0);
}

TEST(CompareTest, NanMustMatchTheOracle) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  Weights want = Weights::FromFloats({4}, {1, nan, inf, 2});
  // The same NaN and Inf as the oracle: agreement.
  Comparison same = Compare(Weights::FromFloats({4}, {1, nan, inf, 2}), want);
  EXPECT_EQ(same.non_finite, 2);
  EXPECT_EQ(same.mismatched, 0);
  EXPECT_EQ(same.rel_l2, 0.0);
  // A NaN where the oracle is finite, and -Inf for +Inf: two disagreements.
  Comparison worse = Compare(Weights::FromFloats({4}, {nan, nan, -inf, 2}), want);
  EXPECT_EQ(worse.non_finite, 3);
  EXPECT_EQ(worse.mismatched, 2);
}

TEST(CompareTest, ZeroOracleAndNonzeroOutputIsInfinitelyWrong) {
  Weights zeros = Weights::FromFloats({2}, {0, 0});
  EXPECT_EQ(Compare(zeros, zeros).rel_l2, 0.0);
  EXPECT_TRUE(std::isinf(Compare(Weights::FromFloats({2}, {0, 1e-3f}), zeros).rel_l2));
}

TEST(CompareTest, IntegersAreExact) {
  std::vector<int32_t> a = {1, 2, 3}, b = {1, 2, 4};
  Weights x = Weights::FromBytes(DataType::kInt32, {3}, a.data(), 12);
  Weights y = Weights::FromBytes(DataType::kInt32, {3}, b.data(), 12);
  Comparison c = Compare(y, x);
  EXPECT_TRUE(c.exact);
  EXPECT_EQ(c.mismatched, 1);
  EXPECT_EQ(Compare(x, x).mismatched, 0);
}

TEST(ToOracleFormTest, UndoesFp16AndNhwc) {
  // Values fp16 holds exactly, so the round trip is exact.
  std::vector<float> values(2 * 3 * 2 * 2);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.25f - 3.0f;
  Weights nchw = Weights::FromFloats({2, 3, 2, 2}, values);
  absl::StatusOr<Weights> nhwc16 =
      ReformatWeights(nchw, TensorFormat::kLinear, DataType::kFloat16, TensorFormat::kNHWC);
  ASSERT_TRUE(nhwc16.ok()) << nhwc16.status();
  Weights back = ToOracleForm(
      TensorDesc{"t", DataType::kFloat16, {2, 3, 2, 2}, TensorFormat::kNHWC}, nhwc16->data());
  EXPECT_EQ(back.dtype(), DataType::kFloat32);
  ASSERT_EQ(back.dims(), nchw.dims());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(back.as<float>()[i], values[i]) << i;
}

// conv1 of LeNet on its real inputs: the oracle's own output passes, the same
// output with one element moved fails, and a NaN in it fails too.
TEST(CheckLayerTest, ReportsACorruptedOutput) {
  const Plan plan = LeNetPlan(/*max_batch=*/1);
  const int index = NodeIndex(plan, "conv1");
  ASSERT_GE(index, 0);
  const PlanNode& node = plan.nodes[index];
  std::vector<const Weights*> inputs;
  std::vector<const void*> data;
  Weights x(DataType::kFloat32, plan.tensors[node.inputs[0]].desc.dims);
  for (int64_t i = 0; i < Volume(x.dims()); ++i) x.mutable_as<float>()[i] = std::sin(0.1f * i);
  for (int32_t t : node.inputs) {
    const PlanTensor& pt = plan.tensors[t];
    inputs.push_back(pt.kind == PlanTensorKind::kConstant ? &plan.weights[pt.weight] : &x);
    data.push_back(inputs.back()->data());
  }
  absl::StatusOr<std::vector<Weights>> good = RunTacticOnHost(
      *TacticRegistry::Global().Reference(node.op), NodeContextFromPlan(plan, node), data);
  ASSERT_TRUE(good.ok()) << good.status();

  LayerReport ok = CheckLayer(plan, index, inputs, *good, CheckBounds{});
  EXPECT_EQ(ok.verdict, Verdict::kOk) << ok.message;
  EXPECT_EQ(ok.precision, "fp32");
  EXPECT_EQ(ok.bound, 1e-5);
  EXPECT_EQ(ok.worst.rel_l2, 0.0);
  EXPECT_EQ(ok.name, "conv1");
  EXPECT_EQ(ok.op, "Convolution");
  EXPECT_EQ(ok.oracle, TacticRegistry::Global().Reference(node.op)->name());
  ASSERT_EQ(ok.outputs.size(), 1u);

  std::vector<Weights> off = *good;
  off[0].mutable_as<float>()[17] += 1.0f;
  LayerReport fail = CheckLayer(plan, index, inputs, off, CheckBounds{});
  EXPECT_EQ(fail.verdict, Verdict::kFail);
  EXPECT_GT(fail.worst.rel_l2, 1e-5);
  EXPECT_NEAR(fail.worst.max_abs, 1.0, 1e-6);
  EXPECT_NE(fail.message.find("rel-L2"), std::string::npos) << fail.message;
  EXPECT_NE(LayerLine(fail).find("FAIL"), std::string::npos) << LayerLine(fail);

  // A looser bound lets the same error pass.
  CheckBounds loose;
  loose.fp32 = 1.0;
  EXPECT_EQ(CheckLayer(plan, index, inputs, off, loose).verdict, Verdict::kOk);

  std::vector<Weights> nan = *good;
  nan[0].mutable_as<float>()[5] = std::numeric_limits<float>::quiet_NaN();
  LayerReport nan_report = CheckLayer(plan, index, inputs, nan, CheckBounds{});
  EXPECT_EQ(nan_report.verdict, Verdict::kFail);
  EXPECT_EQ(nan_report.worst.non_finite, 1);
  EXPECT_EQ(nan_report.worst.mismatched, 1);
}

TEST(CheckLayerTest, OutputOfTheWrongShapeFails) {
  const Plan plan = LeNetPlan(/*max_batch=*/1);
  const int index = NodeIndex(plan, "prob");
  Weights logits(DataType::kFloat32, plan.tensors[plan.nodes[index].inputs[0]].desc.dims);
  std::vector<Weights> wrong;
  wrong.emplace_back(DataType::kFloat32, Dims{1, 3});
  LayerReport r = CheckLayer(plan, index, {&logits}, wrong, CheckBounds{});
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_NE(r.message.find("the oracle's fp32[1x10]"), std::string::npos) << r.message;
}

TEST(CheckEngineTest, EveryLayerOfAGoodPlanPasses) {
  const Plan plan = LeNetPlan(/*max_batch=*/3);
  const size_t layers = plan.nodes.size();
  std::vector<std::string> lines;
  CheckSummary s = Check(plan, /*batch=*/2, &lines);
  EXPECT_TRUE(s.run_status.ok()) << s.run_status;
  ASSERT_EQ(s.layers.size(), layers);
  EXPECT_EQ(s.ok, static_cast<int>(layers));
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(s.first_failure, -1);
  EXPECT_EQ(CheckExitCode(s), 0);
  ASSERT_EQ(lines.size(), layers);
  for (size_t i = 0; i < layers; ++i) {
    EXPECT_EQ(s.layers[i].index, static_cast<int>(i));
    EXPECT_EQ(s.layers[i].outputs[0].dims[0], 2) << "outputs at the run's batch";
    EXPECT_NE(lines[i].find(plan.nodes[i].name), std::string::npos) << lines[i];
  }
  const std::string json = CheckJson("lenet", plan, 2, CheckOptions{}, s);
  EXPECT_NE(json.find("\"failed\":0,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"first_failure\":null"), std::string::npos) << json;
  EXPECT_EQ(std::count(json.begin(), json.end(), '{'), std::count(json.begin(), json.end(), '}'));
}

TEST(CheckEngineTest, FindsTheBrokenLayer) {
  for (const char* broken : {"test.softmax.off_by_half", "test.softmax.nan"}) {
    SCOPED_TRACE(broken);
    Plan plan = LeNetPlan(/*max_batch=*/2);
    const int prob = NodeIndex(plan, "prob");
    plan.nodes[prob].tactic = broken;
    CheckSummary s = Check(plan, /*batch=*/2);
    EXPECT_TRUE(s.run_status.ok()) << s.run_status;
    EXPECT_EQ(s.failed, 1);
    ASSERT_GE(s.first_failure, 0);
    const LayerReport& r = s.layers[s.first_failure];
    EXPECT_EQ(r.name, "prob");
    EXPECT_EQ(r.index, prob);
    EXPECT_EQ(r.tactic, broken);
    EXPECT_EQ(r.verdict, Verdict::kFail);
    EXPECT_EQ(CheckExitCode(s), 1);
    const std::string json = CheckJson("lenet", plan, 2, CheckOptions{}, s);
    EXPECT_NE(json.find("\"verdict\":\"FAIL\""), std::string::npos);
    EXPECT_NE(json.find(absl::StrCat("\"first_failure\":", prob)), std::string::npos);
  }
}

TEST(CheckEngineTest, RerunsAgreeOnAGoodPlan) {
  CheckOptions options;
  options.reruns = 2;
  CheckSummary s = Check(LeNetPlan(/*max_batch=*/2), /*batch=*/2, nullptr, options);
  EXPECT_TRUE(s.rerun_status.ok()) << s.rerun_status;
  ASSERT_EQ(s.reruns.size(), 2u);  // 2 runs x 1 output
  for (const RerunReport& r : s.reruns) {
    EXPECT_TRUE(r.ok) << RerunLine(r);
    EXPECT_EQ(r.output, "prob");
    EXPECT_EQ(r.comparison.rel_l2, 0.0);
  }
  EXPECT_EQ(s.reruns[1].run, 2);
  EXPECT_EQ(CheckExitCode(s), 0);
}

// Right in the checked run, wrong in later ones: every layer passes, the
// reruns do not, and the check fails.
TEST(CheckEngineTest, RerunsCatchWhatTheLayerCheckCannot) {
  Plan plan = LeNetPlan(/*max_batch=*/1);
  plan.nodes[NodeIndex(plan, "prob")].tactic = "test.softmax.drifting";
  CheckOptions options;
  options.reruns = 2;
  CheckSummary s = Check(plan, /*batch=*/1, nullptr, options);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(s.ok, static_cast<int>(plan.nodes.size()));
  ASSERT_EQ(s.reruns.size(), 2u);
  EXPECT_FALSE(s.reruns[0].ok) << RerunLine(s.reruns[0]);
  EXPECT_NEAR(s.reruns[0].comparison.max_abs, 0.1, 1e-6);
  EXPECT_NE(RerunLine(s.reruns[1]).find("FAIL"), std::string::npos);
  EXPECT_EQ(CheckExitCode(s), 1);
  const std::string json = CheckJson("lenet", plan, 1, options, s);
  EXPECT_NE(json.find("\"reruns\":[\n{\"run\":1,\"output\":\"prob\",\"ok\":false"),
            std::string::npos)
      << json;
}

TEST(CheckEngineTest, MaxLayersChecksOnlyTheFirstOnes) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Runtime::CreateEngine(LeNetPlan(1));
  ASSERT_TRUE(engine.ok()) << engine.status();
  std::vector<std::unique_ptr<DeviceBuffer>> buffers;
  std::vector<void*> bindings;
  std::vector<Weights> inputs;
  for (int i = 0; i < (*engine)->num_bindings(); ++i) {
    TensorDesc desc = *(*engine)->binding_desc(i, 1);
    buffers.push_back(std::make_unique<HostBuffer>(desc.bytes()));
    std::memset(buffers.back()->data(), 0, desc.bytes());
    bindings.push_back(buffers.back()->data());
    if ((*engine)->is_input(i)) inputs.emplace_back(desc.dtype, desc.dims);
  }
  CheckOptions options;
  options.max_layers = 3;
  absl::StatusOr<CheckSummary> s = CheckEngine(**engine, 1, bindings, inputs, options, nullptr);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->layers.size(), 3u);
  EXPECT_EQ(s->ok, 3);
}

}  // namespace
}  // namespace cli
}  // namespace kiln
