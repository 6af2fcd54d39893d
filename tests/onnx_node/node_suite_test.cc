// ONNX's own backend node tests (Debian's libonnx-testdata) on cpu_ref:
// import -> build -> plan -> runtime -> compare. Fails when fewer tests pass
// than the recorded floor, so a regression shows at once. Each test's line
// and the summary are printed; KILN_NODE_FILTER=<substring> runs a subset.

#include <cstdlib>
#include <iostream>
#include <thread>

#include "gtest/gtest.h"
#include "tests/onnx_node/node_suite.h"

namespace kiln {
namespace {

constexpr char kSuiteDir[] = "/usr/share/libonnx-testdata/data/node";

// The pass count last reached on cpu_ref (raise it when more tests pass).
constexpr int kPassFloor = 839;

TEST(NodeSuiteTest, CpuRefPassesAtLeastTheFloor) {
  NodeSuiteOptions options;
  options.backend = "cpu_ref";
  options.jobs = std::max(1u, std::thread::hardware_concurrency());
  const char* filter = std::getenv("KILN_NODE_FILTER");
  if (filter != nullptr) options.filter = filter;
  absl::StatusOr<NodeSuiteReport> report = RunNodeSuite(kSuiteDir, options, &std::cout);
  if (!report.ok() && report.status().code() == absl::StatusCode::kNotFound && filter == nullptr) {
    GTEST_SKIP() << report.status() << " (install libonnx-testdata: tools/setup.sh)";
  }
  ASSERT_TRUE(report.ok()) << report.status();
  std::cout << report->SummaryLine() << std::endl;
  if (filter == nullptr) {
    EXPECT_GE(report->passed, kPassFloor) << report->SummaryLine();
  }
}

}  // namespace
}  // namespace kiln
