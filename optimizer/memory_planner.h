#ifndef KILN_OPTIMIZER_MEMORY_PLANNER_H_
#define KILN_OPTIMIZER_MEMORY_PLANNER_H_

#include <cstdint>
#include <vector>

namespace kiln {

// An activation that must stay in memory from the step that writes it
// (`first`) to the last step that reads it (`last`), inclusive.
struct TensorLifetime {
  uint64_t bytes = 0;
  int first = 0;
  int last = 0;
};

struct MemoryPlan {
  std::vector<uint64_t> offsets;  // per lifetime, byte offset in the arena
  uint64_t arena_size = 0;
};

// Packs the tensors into one arena: tensors whose lifetimes overlap never
// share bytes; others may. Greedy by decreasing size, each placed at the
// lowest aligned offset that fits (the TFLite "greedy by size" planner).
MemoryPlan PlanMemory(const std::vector<TensorLifetime>& tensors, uint64_t alignment = 64);

}  // namespace kiln

#endif  // KILN_OPTIMIZER_MEMORY_PLANNER_H_
