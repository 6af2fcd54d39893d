// LeNet-5 built with the C++ API: build -> serialize -> deserialize -> run,
// checked against the unserialized engine (bit-identical) and against a
// layer-by-layer run of every op's reference tactic (the oracle).
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"

#include "gtest/gtest.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "samples/networks.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

// Runs the plan's nodes one by one with each op's reference tactic.
std::vector<float> OracleRun(const Plan& plan, const Weights& input) {
  std::map<int32_t, Weights> values;
  values[plan.inputs[0]] = input;
  for (const PlanNode& node : plan.nodes) {
    std::vector<testutil::OpInput> inputs;
    for (int32_t t : node.inputs) {
      const PlanTensor& pt = plan.tensors[t];
      if (pt.kind == PlanTensorKind::kConstant) {
        inputs.push_back({plan.weights[pt.weight], true});
      } else {
        inputs.push_back({values.at(t), false});
      }
    }
    auto outs = testutil::RunOp(node.op, node.attrs, inputs);
    EXPECT_TRUE(outs.ok()) << node.name << ": " << outs.status();
    if (!outs.ok()) return {};
    for (size_t i = 0; i < node.outputs.size(); ++i) values[node.outputs[i]] = (*outs)[i];
  }
  return testutil::ToFloats(values.at(plan.outputs[0]));
}

TEST(LeNetTest, BuildsSerializesAndRunsLikeTheOracle) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(seed);
  auto network = samples::LeNet5(seed);
  ASSERT_TRUE(network.ok()) << network.status();
  BuildConfig config;
  config.max_batch = 8;
  auto plan = Builder::Build(*network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // 2x(conv relu pool), 3 fc, softmax: fuse-activation folds the 2 ReLUs
  // after fc1 and fc2 into them, fuse-conv-epilogue the 2 after the convs.
  EXPECT_EQ(plan->nodes.size(), 8u);

  auto bytes = PlanWriter::Write(*plan);
  ASSERT_TRUE(bytes.ok());
  auto loaded = Runtime::Deserialize(*bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto direct = Runtime::CreateEngine(*plan);
  ASSERT_TRUE(direct.ok()) << direct.status();

  std::mt19937 rng(seed);
  Weights input = testutil::RandomFloats({8, 1, 32, 32}, rng, 0.0f, 1.0f);
  std::vector<float> before(80, NAN), after(80, NAN);
  std::vector<void*> b1 = {const_cast<void*>(input.data()), before.data()};
  std::vector<void*> b2 = {const_cast<void*>(input.data()), after.data()};
  ASSERT_TRUE((*(*direct)->CreateExecutionContext())->Execute(8, b1).ok());
  ASSERT_TRUE((*(*loaded)->CreateExecutionContext())->Execute(8, b2).ok());
  EXPECT_EQ(0, std::memcmp(before.data(), after.data(), 80 * sizeof(float)))
      << "outputs changed across serialization";

  const std::vector<float> oracle = OracleRun(*plan, input);
  ASSERT_EQ(oracle.size(), 80u);
  double err = 0, norm = 0;
  for (int i = 0; i < 80; ++i) {
    err += (after[i] - oracle[i]) * (after[i] - oracle[i]);
    norm += oracle[i] * oracle[i];
  }
  std::printf("LeNet-5 vs oracle: relative L2 error %.3g\n", std::sqrt(err / norm));
  EXPECT_LE(std::sqrt(err / norm), 1e-5);
  for (int b = 0; b < 8; ++b) {
    double sum = 0;
    for (int k = 0; k < 10; ++k) sum += after[b * 10 + k];
    EXPECT_NEAR(sum, 1.0, 1e-5) << "softmax row " << b;
  }

  // A smaller batch gives the same rows.
  std::vector<float> small(30, NAN);
  std::vector<void*> b3 = {const_cast<void*>(input.data()), small.data()};
  ASSERT_TRUE((*(*loaded)->CreateExecutionContext())->Execute(3, b3).ok());
  for (int i = 0; i < 30; ++i) EXPECT_NEAR(small[i], after[i], 1e-6) << i;
}

TEST(LeNetTest, EightThreadsWithTheirOwnContextsMatchOneThreadBitForBit) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(seed);
  auto network = samples::LeNet5(seed);
  ASSERT_TRUE(network.ok());
  BuildConfig config;
  config.max_batch = 4;
  auto plan = Builder::Build(*network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto engine = Runtime::Deserialize(*PlanWriter::Write(*plan));
  ASSERT_TRUE(engine.ok()) << engine.status();
  std::mt19937 rng(seed);
  std::vector<Weights> inputs;
  std::vector<std::vector<float>> expected;
  for (int i = 0; i < 8; ++i) {
    inputs.push_back(testutil::RandomFloats({4, 1, 32, 32}, rng, 0.0f, 1.0f));
    expected.emplace_back(40, NAN);
    std::vector<void*> b = {const_cast<void*>(inputs[i].data()), expected[i].data()};
    ASSERT_TRUE((*(*engine)->CreateExecutionContext())->Execute(4, b).ok());
  }
  std::vector<std::vector<float>> got(8, std::vector<float>(40, NAN));
  std::vector<absl::Status> status(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto ctx = (*engine)->CreateExecutionContext();
      if (!ctx.ok()) {
        status[t] = ctx.status();
        return;
      }
      // Each thread cycles through every input so contexts interleave.
      for (int iter = 0; iter < 40 && status[t].ok(); ++iter) {
        const int i = (t + iter) % 8;
        std::vector<float> out(40, NAN);
        std::vector<void*> b = {const_cast<void*>(inputs[i].data()), out.data()};
        status[t] = (*ctx)->Execute(4, b);
        if (std::memcmp(out.data(), expected[i].data(), 40 * sizeof(float)) != 0) {
          status[t] = absl::InternalError(absl::StrCat("thread ", t, " input ", i, " differs"));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_TRUE(status[t].ok()) << status[t];
}

}  // namespace
}  // namespace kiln
