#ifndef KILN_OPTIMIZER_AUTOTUNER_H_
#define KILN_OPTIMIZER_AUTOTUNER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/backend.h"
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

// What an Autotuner did, for the build summary.
struct AutotunerStats {
  int64_t timed = 0;         // (tactic, layer signature) pairs run on the backend
  int64_t cache_hits = 0;    // times taken from BuildConfig.timing_cache
  int64_t reused = 0;        // times measured earlier in this build (same signature)
  double timing_seconds = 0.0;  // wall time spent preparing and timing tactics
};

// Picks tactics for the layers of one build. It keeps, for the whole build,
// one set of execution resources per backend (stream, cuDNN and cuBLASLt
// handles: creating them per timing cost more than the timing), a host
// pattern of random data reused for every dummy input, and every time it
// measured, so each distinct (tactic, layer signature) pair is timed once
// per build even without a timing cache (ResNet's repeated blocks, and the
// same layer tried in several precisions by precision assignment).
class Autotuner {
 public:
  explicit Autotuner(const BuildConfig& config);
  ~Autotuner();
  Autotuner(const Autotuner&) = delete;
  Autotuner& operator=(const Autotuner&) = delete;

  // The fastest tactic for `node` among the enabled backends' tactics that
  // support it and fit the workspace budget, each timed on dummy data
  // (median of config.timing_iterations runs after one warm-up) or taken
  // from the timing cache or from this build's earlier measurements. When
  // none fits, the error lists every candidate and why it was rejected. A
  // single candidate is not timed (median_ms 0) unless `time_single`, for
  // callers that compare the time with other choices (precision assignment).
  absl::StatusOr<TacticChoice> Select(const NodeContext& node, bool time_single = false);

  const AutotunerStats& stats() const { return stats_; }

 private:
  struct Buffers;
  // Device buffers for `node`'s inputs (constants copied, the rest from the
  // random pattern), outputs and `workspace` bytes.
  absl::StatusOr<std::unique_ptr<Buffers>> MakeBuffers(const Backend& backend,
                                                       const NodeContext& node,
                                                       uint64_t workspace);
  absl::StatusOr<ExecutionResources*> ResourcesFor(const Backend& backend);
  absl::StatusOr<double> Time(const Backend& backend, const Tactic& tactic,
                              const NodeContext& node, absl::Span<const uint8_t> state,
                              uint64_t workspace, Buffers& buffers);
  const uint8_t* RandomBytes(DataType dtype, size_t bytes);

  const BuildConfig& config_;
  std::map<const Backend*, std::unique_ptr<ExecutionResources>> resources_;
  std::map<std::string, double> measured_;  // timing-cache key -> ms, this build
  std::vector<uint8_t> random_fp32_, random_fp16_;
  AutotunerStats stats_;
};

// Select with a one-off Autotuner (nothing shared with other layers).
absl::StatusOr<TacticChoice> SelectTactic(const NodeContext& node, const BuildConfig& config,
                                          bool time_single = false);

}  // namespace kiln

#endif  // KILN_OPTIMIZER_AUTOTUNER_H_
