// A ResNet-50-sized network (random weights) through the whole path on
// cpu_ref. Speed is printed, not asserted (bench/ measures it).
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

#include "gtest/gtest.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "samples/networks.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

TEST(ResNet50Test, BuildsAndRunsAtBatchOne) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(seed);
  auto network = samples::ResNet50(seed);
  ASSERT_TRUE(network.ok()) << network.status();
  StderrLogger logger(Logger::Severity::kInfo);
  BuildConfig config;
  config.timing_iterations = 1;
  config.logger = &logger;
  auto plan = Builder::Build(*network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto bytes = PlanWriter::Write(*plan);
  ASSERT_TRUE(bytes.ok());
  auto engine = Runtime::Deserialize(*bytes);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto ctx = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(ctx.ok());

  std::mt19937 rng(seed);
  Weights input = testutil::RandomFloats({1, 3, 224, 224}, rng);
  std::vector<float> prob(1000, NAN);
  std::vector<void*> bindings = {const_cast<void*>(input.data()), prob.data()};
  double best_ms = 1e30;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE((*ctx)->Execute(1, bindings).ok());
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(
                                    std::chrono::steady_clock::now() - start).count());
  }
  std::printf("ResNet-50 batch 1 on cpu_ref: %.1f ms (best of 3), arena %.1f MiB\n", best_ms,
              plan->arena_size / 1048576.0);
  double sum = 0;
  for (float p : prob) {
    ASSERT_TRUE(std::isfinite(p));
    sum += p;
  }
  EXPECT_NEAR(sum, 1.0, 1e-4);
}

}  // namespace
}  // namespace kiln
