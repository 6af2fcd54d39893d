#ifndef KILN_OPTIMIZER_AUTOTUNER_H_
#define KILN_OPTIMIZER_AUTOTUNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/tactic.h"
#include "optimizer/builder.h"

namespace kiln {

struct TacticChoice {
  const Tactic* tactic = nullptr;
  std::vector<uint8_t> state;
  uint64_t workspace = 0;
  double median_ms = 0.0;   // 0 when the only candidate was not timed
  int candidates = 0;       // tactics that fit the node and the budget
  int cache_hits = 0;       // candidates whose time came from the timing cache
};

// Picks the fastest tactic for `node` among the enabled backends' tactics
// that support it and fit the workspace budget, timing each on dummy data
// (median of config.timing_iterations runs after one warm-up), or taking
// the time from config.timing_cache when it has one. When none
// fits, the error lists every candidate and why it was rejected.
// A single candidate is not timed (median_ms 0) unless `time_single`, for
// callers that compare the time with other choices (precision assignment).
absl::StatusOr<TacticChoice> SelectTactic(const NodeContext& node, const BuildConfig& config,
                                          bool time_single = false);

}  // namespace kiln

#endif  // KILN_OPTIMIZER_AUTOTUNER_H_
