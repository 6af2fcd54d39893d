#ifndef KILN_OPTIMIZER_BUILDER_H_
#define KILN_OPTIMIZER_BUILDER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/tactic.h"
#include "graph/logger.h"
#include "graph/network_definition.h"
#include "graph/shape_profile.h"
#include "optimizer/timing_cache.h"
#include "serialization/plan.h"

namespace kiln {

// What Builder::Build reports after choosing each layer's tactic.
struct BuildProgress {
  int done = 0;                 // layers chosen so far, this one included
  int total = 0;                // layers to choose
  absl::string_view layer;
  absl::string_view op;
  absl::string_view tactic;     // the chosen one
  double median_ms = 0.0;       // its time; 0 when it was the only candidate
  int candidates = 0;           // tactics that fit and were considered
  int cache_hits = 0;           // of those, times taken from the timing cache
};

struct BuildConfig {
  int max_batch = 1;                         // dim 0 of every input at build
  // Optimization profiles (dynamic shapes): with any, every input's shape
  // comes from them (max_batch stays 1) and the plan runs every shape
  // within a profile; tactics are timed at the first profile's opt shapes
  // and memory is planned for each profile's max. An input a profile does
  // not name keeps its network dims (a batched one must be named).
  std::vector<ShapeProfile> profiles;
  uint64_t workspace_bytes = 256ull << 20;   // per-layer scratch budget
  bool allow_fp16 = false;                   // tactics may compute in fp16
  bool allow_tf32 = false;                   // tactics may use TF32 for fp32 math
  int timing_iterations = 5;                 // median of this many timed runs per tactic
  std::vector<std::string> backends = {"cpu_ref"};  // searched in order
  Logger* logger = nullptr;                  // build log; nullptr = silent
  // Times measured before are looked up here instead of measured again, and
  // new ones are added. Not owned; nullptr = time everything.
  TimingCache* timing_cache = nullptr;
  // Memory layouts that rank-4 float tensors may take between layers
  // (network inputs and outputs keep their declared layout). Each layer is
  // timed in each (and in fp16 too with allow_fp16); Reformat layers are
  // inserted where neighbours differ. {kLinear} turns layout search off.
  std::vector<TensorFormat> formats = {TensorFormat::kLinear, TensorFormat::kNHWC};
  // When set, only tactics it accepts are considered for a layer (tests pin
  // a tactic this way; a debugging aid otherwise).
  std::function<bool(const NodeContext& node, const Tactic& tactic)> tactic_filter;
  // Layers kept in fp32 whatever allow_fp16 allows, by name as the plan
  // names them (`kiln inspect`; a fused layer takes the name of its first
  // layer). A name no layer has after the passes is an error.
  std::vector<std::string> fp32_layers;
  // Sample inputs for the fp16 range check (optimizer/fp16_range.h), by
  // input name, batch any size: with allow_fp16, the network runs once in
  // fp32 with the reference tactics on them, and every layer whose float
  // output exceeds kFp16RangeLimit in magnitude (or turns finite inputs into
  // inf or NaN) is kept in fp32; the build log names each and why.
  std::map<std::string, Weights> fp16_range_samples;
  // Graph passes to skip, by name (Pass::name(), e.g. "fuse-skip-layer-norm"):
  // to measure what a fusion gains, or to work around a fusion that goes
  // wrong without waiting for a fix. "topological-sort" cannot be skipped;
  // an unknown name is an error that lists the passes.
  std::vector<std::string> disabled_passes;
  // Called after each layer's tactic is chosen (for progress displays).
  std::function<void(const BuildProgress&)> progress;

  std::string ToString() const;
  // What the plan records for its tactics (allow_tf32, allow_fp16, the
  // workspace budget).
  TargetOptions target() const { return {allow_tf32, allow_fp16, workspace_bytes}; }
};

// Turns a network into a plan for one target (DESIGN.md, "Build"): validate,
// graph passes, tactic selection by measured time, memory planning.
class Builder {
 public:
  static absl::StatusOr<Plan> Build(const NetworkDefinition& network, const BuildConfig& config);
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_BUILDER_H_
