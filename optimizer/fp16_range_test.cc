// Tests of the fp16 range check (fp16_range.h) and of BuildConfig.fp32_layers:
// a network whose middle layer overflows fp16 gives inf when every layer runs
// in fp16, and the right answer when the check (or the user) keeps that
// layer in fp32.
#include "optimizer/fp16_range.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/element_wise.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

// x [B, 4] -> "up" (x 100) -> "up2" (x 1000) -> "down" (x 1e-5) -> "y".
// On x in [-4, 4], up2's output reaches 4e5, past fp16's 65504.
NetworkDefinition UpAndDown() {
  NetworkDefinition net;
  TensorId t = *net.AddInput("x", DataType::kFloat32, {1, 4});
  const std::pair<const char*, float> steps[] = {{"up", 100.0f}, {"up2", 1000.0f}, {"y", 1e-5f}};
  for (const auto& [name, factor] : steps) {
    const TensorId c =
        *net.AddConstant(std::string(name) + ".factor", Weights::FromFloats({1}, {factor}));
    t = *AddElementWise(net, name, t, c, ElementWiseOp::kProd);
  }
  EXPECT_TRUE(net.MarkOutput(t).ok());
  return net;
}

// Keeps every message (the range check logs at info severity).
class AllMessages : public Logger {
 public:
  void Log(Severity, absl::string_view message) override { messages.emplace_back(message); }
  bool Said(absl::string_view a, absl::string_view b = "") const {
    return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) {
      return absl::StrContains(m, a) && absl::StrContains(m, b);
    });
  }
  std::vector<std::string> messages;
};

std::vector<float> RandomX(int batch, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
  std::vector<float> x(batch * 4);
  for (float& v : x) v = dist(rng);
  x[0] = 4.0f;  // one value at the top of the range
  return x;
}

// Every ElementWise layer in fp16 (only its fp16 tactics offered), except
// those named in `any_precision`.
BuildConfig Fp16Only(std::vector<std::string> any_precision = {}) {
  BuildConfig config;
  config.max_batch = 2;
  config.allow_fp16 = true;
  config.timing_iterations = 1;
  config.tactic_filter = [any_precision](const NodeContext& node, const Tactic&) {
    if (node.op != kElementWiseOp || absl::c_linear_search(any_precision, node.name)) return true;
    return node.outputs[0].dtype == DataType::kFloat16;
  };
  return config;
}

TEST(Fp16RangeTest, PinsTheLayerWhoseOutputLeavesTheRange) {
  const NetworkDefinition net = UpAndDown();
  std::map<std::string, Weights> samples;
  samples["x"] = Weights::FromFloats({3, 4}, {1, -2, 3, 4, 0, 0, 0, 0, -1, 1, -1, 1});
  auto pins = FindFp16RangePins(net.graph(), samples);
  ASSERT_TRUE(pins.ok()) << pins.status();
  // up2 writes 4e5 and y reads it: both would meet it in fp16.
  ASSERT_EQ(pins->size(), 2u);
  EXPECT_EQ((*pins)[0].layer, "up2");
  EXPECT_EQ((*pins)[0].tensor, "up2");
  EXPECT_FLOAT_EQ((*pins)[0].max_abs, 4e5f);
  EXPECT_FALSE((*pins)[0].nonfinite);
  EXPECT_NE((*pins)[0].ToString().find("'up2': |up2| reached 4e+05"), std::string::npos)
      << (*pins)[0].ToString();
  EXPECT_EQ((*pins)[1].layer, "y");
  EXPECT_EQ((*pins)[1].tensor, "up2");
  // Small samples: nothing leaves the range.
  samples["x"] = Weights::FromFloats({1, 4}, {0.01f, 0.02f, -0.03f, 0.04f});
  pins = FindFp16RangePins(net.graph(), samples);
  ASSERT_TRUE(pins.ok()) << pins.status();
  EXPECT_TRUE(pins->empty());
}

TEST(Fp16RangeTest, SamplesMustCoverEveryInputWithItsTypeAndDims) {
  const NetworkDefinition net = UpAndDown();
  std::map<std::string, Weights> samples;
  auto missing = FindFp16RangePins(net.graph(), samples);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("no sample for input 'x'"), std::string::npos)
      << missing.status();
  samples["x"] = Weights::FromFloats({1, 5}, {1, 2, 3, 4, 5});
  auto dims = FindFp16RangePins(net.graph(), samples);
  EXPECT_EQ(dims.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(dims.status().message().find("sample for input 'x' is fp32 1x5"), std::string::npos)
      << dims.status();
}

TEST(Fp16RangeTest, BuildKeepsPinnedLayersInFp32AndGetsTheAnswer) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  const NetworkDefinition net = UpAndDown();
  const std::vector<float> x = RandomX(2, rng);
  BuildConfig fp32;
  fp32.max_batch = 2;
  const std::vector<float> want = testutil::BuildAndRunY(net, fp32, 3, x, 2);

  // All fp16 (and the input and output Reformats): up2 overflows, and y is
  // inf where |x| is large.
  const std::vector<float> overflow = testutil::BuildAndRunY(net, Fp16Only(), 5, x, 2);
  ASSERT_EQ(overflow.size(), want.size());
  EXPECT_TRUE(std::isinf(overflow[0])) << overflow[0] << " (x = 4 gives 4e5 in up2)";

  // With samples: the check keeps up2 and y in fp32 (the filter lets them),
  // and the log says so.
  BuildConfig checked = Fp16Only({"up2", "y"});
  checked.fp16_range_samples["x"] = Weights::FromFloats({2, 4}, x);
  AllMessages logger;
  checked.logger = &logger;
  auto plan = Builder::Build(net, checked);
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (const PlanTensor& t : plan->tensors) {
    if (t.desc.name == "up2") EXPECT_EQ(t.desc.dtype, DataType::kFloat32);
    if (t.desc.name == "up") EXPECT_EQ(t.desc.dtype, DataType::kFloat16);
  }
  EXPECT_NE(plan->build_options.find("fp16_range_samples=1"), std::string::npos);
  EXPECT_TRUE(logger.Said("fp16 range check: keeping 'up2'", "in fp32"));
  EXPECT_TRUE(logger.Said("fp16 range check: 2 of 3 layers kept in fp32"));
  // x -> fp16, up, -> fp32, up2, y.
  const std::vector<float> got = testutil::BuildAndRunY(net, checked, 5, x, 2);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(std::isfinite(got[i])) << i;
    EXPECT_NEAR(got[i], want[i], 2e-3 * std::fabs(want[i]) + 1e-4) << i;
  }

  // The same layers named by the user.
  BuildConfig named = Fp16Only({"up2", "y"});
  named.fp32_layers = {"up2", "y"};
  EXPECT_EQ(testutil::BuildAndRunY(net, named, 5, x, 2), got);
}

TEST(Fp16RangeTest, APinnedLayerHasNoFp16Tactic) {
  // Only fp16 tactics offered, and up2 kept in fp32: no tactic is left for it.
  BuildConfig config = Fp16Only();
  config.fp32_layers = {"up2"};
  auto plan = Builder::Build(UpAndDown(), config);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("up2"), std::string::npos) << plan.status();
}

TEST(Fp16RangeTest, Fp32LayersMustNameALayer) {
  BuildConfig config;
  config.fp32_layers = {"nope"};
  auto plan = Builder::Build(UpAndDown(), config);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("'nope', which is no layer"), std::string::npos)
      << plan.status();
}

}  // namespace
}  // namespace kiln
