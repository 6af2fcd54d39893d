#ifndef KILN_TESTS_ONNX_NODE_NODE_SUITE_H_
#define KILN_TESTS_ONNX_NODE_NODE_SUITE_H_

// Runs a directory laid out like ONNX's backend node tests
// (<dir>/<test>/model.onnx, <dir>/<test>/test_data_set_*/{input,output}_*.pb)
// through the whole kiln path: import (inputs unbatched, exact dims),
// Builder::Build on one backend at max_batch 1, PlanWriter ->
// Runtime::Deserialize, Execute each data set, and compare with the expected
// outputs as onnx/backend/test/runner does (|a - b| <= atol + rtol * |b|,
// NaN equals NaN; integers and bools exactly).

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kiln {

inline constexpr double kNodeSuiteRtol = 1e-3;
inline constexpr double kNodeSuiteAtol = 1e-7;

enum class NodeTestOutcome { kPassed, kFailed, kSkipped };
const char* NodeTestOutcomeName(NodeTestOutcome outcome);  // "passed", ...

struct NodeTestResult {
  std::string name;  // the test's directory name
  NodeTestOutcome outcome = NodeTestOutcome::kFailed;
  std::string message;  // why it failed or was skipped; empty when passed
};

struct NodeSuiteOptions {
  std::string backend = "cpu_ref";
  // Only tests whose name contains this substring (empty: all).
  std::string filter;
  // Run each test in a child process, so a crash or a hang (past
  // timeout_seconds) fails that test instead of ending the suite.
  bool isolate = true;
  int timeout_seconds = 60;
  // Tests run at the same time (child processes; isolate only).
  int jobs = 1;
  double rtol = kNodeSuiteRtol;
  double atol = kNodeSuiteAtol;
};

struct NodeSuiteReport {
  std::vector<NodeTestResult> results;  // sorted by name
  int passed = 0, failed = 0, skipped = 0;
  std::string SummaryLine() const;  // "N passed, N failed, N skipped"
};

// Why `test_dir`'s test is skipped, from the one table of documented skip
// reasons in node_suite.cc; empty when it is not.
std::string NodeTestSkipReason(const std::string& test_dir);

// Runs one test in this process.
NodeTestResult RunNodeTest(const std::string& test_dir, const NodeSuiteOptions& options);

// Runs every test under `dir`, printing one line per test to `log` (when not
// null) and the summary line last. An error only when `dir` holds no tests.
absl::StatusOr<NodeSuiteReport> RunNodeSuite(const std::string& dir,
                                             const NodeSuiteOptions& options, std::ostream* log);

}  // namespace kiln

#endif  // KILN_TESTS_ONNX_NODE_NODE_SUITE_H_
