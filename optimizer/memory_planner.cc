#include "optimizer/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace kiln {

MemoryPlan PlanMemory(const std::vector<TensorLifetime>& tensors, uint64_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(tensors.size(), 0);
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tensors[a].bytes > tensors[b].bytes; });

  auto align = [alignment](uint64_t v) { return (v + alignment - 1) / alignment * alignment; };
  std::vector<size_t> placed;
  for (size_t i : order) {
    const TensorLifetime& t = tensors[i];
    // Placed tensors alive at the same time, by offset.
    std::vector<size_t> live;
    for (size_t j : placed) {
      if (tensors[j].first <= t.last && t.first <= tensors[j].last) live.push_back(j);
    }
    std::sort(live.begin(), live.end(),
              [&](size_t a, size_t b) { return plan.offsets[a] < plan.offsets[b]; });
    uint64_t offset = 0;
    for (size_t j : live) {
      if (offset + t.bytes <= plan.offsets[j]) break;  // fits in the gap below j
      offset = std::max(offset, align(plan.offsets[j] + tensors[j].bytes));
    }
    plan.offsets[i] = offset;
    plan.arena_size = std::max(plan.arena_size, align(offset + t.bytes));
    placed.push_back(i);
  }
  return plan;
}

}  // namespace kiln
