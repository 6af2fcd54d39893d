#ifndef KILN_RUNTIME_CHROME_TRACE_H_
#define KILN_RUNTIME_CHROME_TRACE_H_

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "runtime/profiler.h"

namespace kiln {

// A Profiler that records one span per layer on a timeline and writes them
// as a Chrome trace (the JSON "traceEvents" format that chrome://tracing and
// Perfetto open): name = layer, args = tactic (and op when given), one track
// per run. A span ends when the runtime reports the layer (after it
// finished: profiled runs wait for each layer) and lasts the layer's
// measured time, so the space between spans is the host's work between
// layers: launches, synchronization, the profiler itself.
class ChromeTraceProfiler : public Profiler {
 public:
  ChromeTraceProfiler();

  void ReportLayerTime(absl::string_view layer, absl::string_view tactic, double ms) override;

  // Starts a new track (call before each run to profile).
  void BeginRun(absl::string_view label);
  // Optional per-layer op names for the spans' args.
  void SetOp(absl::string_view layer, absl::string_view op);

  // The trace as JSON.
  std::string ToJson() const;
  // Writes ToJson() to `path`; an error names the file.
  absl::Status Write(const std::string& path) const;

  size_t num_spans() const { return spans_.size(); }

 private:
  struct Span {
    std::string layer, tactic;
    int run = 0;
    double start_us = 0.0, duration_us = 0.0;
  };
  std::chrono::steady_clock::time_point origin_;
  std::vector<Span> spans_;
  std::vector<std::string> runs_;
  std::vector<std::pair<std::string, std::string>> ops_;
};

}  // namespace kiln

#endif  // KILN_RUNTIME_CHROME_TRACE_H_
