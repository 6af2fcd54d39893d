#include "optimizer/memory_planner.h"

#include <random>

#include "gtest/gtest.h"

namespace kiln {
namespace {

TEST(MemoryPlannerTest, ChainReusesMemory) {
  // a(0..1) b(1..2) c(2..3): a and c never overlap in time, so they share.
  std::vector<TensorLifetime> t = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}};
  MemoryPlan plan = PlanMemory(t);
  EXPECT_EQ(plan.offsets[0], plan.offsets[2]);
  EXPECT_NE(plan.offsets[0], plan.offsets[1]);
  EXPECT_EQ(plan.arena_size, 2 * 1024u);  // two 64-aligned slots of 1000 bytes
}

TEST(MemoryPlannerTest, OffsetsAreAligned) {
  std::vector<TensorLifetime> t = {{3, 0, 5}, {5, 0, 5}, {7, 0, 5}};
  MemoryPlan plan = PlanMemory(t, 64);
  for (uint64_t off : plan.offsets) EXPECT_EQ(off % 64, 0u);
  EXPECT_EQ(plan.arena_size, 3 * 64u);
}

TEST(MemoryPlannerTest, RandomLifetimesNeverOverlap) {
  std::mt19937 rng(std::random_device{}());
  const uint32_t seed = rng();
  SCOPED_TRACE(seed);
  rng.seed(seed);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<TensorLifetime> t(1 + rng() % 40);
    uint64_t total = 0;
    for (auto& l : t) {
      l.bytes = 1 + rng() % 5000;
      l.first = rng() % 30;
      l.last = l.first + rng() % 10;
      total += (l.bytes + 63) / 64 * 64;
    }
    MemoryPlan plan = PlanMemory(t);
    EXPECT_LE(plan.arena_size, total);
    for (size_t i = 0; i < t.size(); ++i) {
      EXPECT_LE(plan.offsets[i] + t[i].bytes, plan.arena_size);
      for (size_t j = i + 1; j < t.size(); ++j) {
        const bool time = t[i].first <= t[j].last && t[j].first <= t[i].last;
        const bool space = plan.offsets[i] < plan.offsets[j] + t[j].bytes &&
                           plan.offsets[j] < plan.offsets[i] + t[i].bytes;
        EXPECT_FALSE(time && space) << "tensors " << i << " and " << j << " collide";
      }
    }
  }
}

}  // namespace
}  // namespace kiln
