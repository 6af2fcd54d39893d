#ifndef KILN_RUNTIME_PROFILER_H_
#define KILN_RUNTIME_PROFILER_H_

#include "absl/strings/string_view.h"

namespace kiln {

// Receives the time of each layer after it runs, when set on an
// ExecutionContext. Profiling times every layer separately, so the sum is a
// little above an unprofiled run.
class Profiler {
 public:
  virtual ~Profiler() = default;
  virtual void ReportLayerTime(absl::string_view layer, absl::string_view tactic, double ms) = 0;
};

}  // namespace kiln

#endif  // KILN_RUNTIME_PROFILER_H_
