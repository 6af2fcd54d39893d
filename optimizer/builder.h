#ifndef KILN_OPTIMIZER_BUILDER_H_
#define KILN_OPTIMIZER_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/network_definition.h"
#include "runtime/logger.h"
#include "serialization/plan.h"

namespace kiln {

struct BuildConfig {
  int max_batch = 1;                         // dim 0 of every input at build
  uint64_t workspace_bytes = 256ull << 20;   // per-layer scratch budget
  bool allow_fp16 = false;                   // tactics may compute in fp16
  bool allow_tf32 = false;                   // tactics may use TF32 for fp32 math
  int timing_iterations = 5;                 // median of this many timed runs per tactic
  std::vector<std::string> backends = {"cpu_ref"};  // searched in order
  Logger* logger = nullptr;                  // build log; nullptr = silent

  std::string ToString() const;
};

// Turns a network into a plan for one target (DESIGN.md, "Build"): validate,
// graph passes, tactic selection by measured time, memory planning.
class Builder {
 public:
  static absl::StatusOr<Plan> Build(const NetworkDefinition& network, const BuildConfig& config);
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_BUILDER_H_
