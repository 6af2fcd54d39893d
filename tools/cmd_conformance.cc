// kiln conformance: run an ONNX node test suite on one backend
// (tests/onnx_node/node_suite.h does the work).
#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "tests/onnx_node/node_suite.h"
#include "tools/commands.h"

ABSL_FLAG(std::string, suite, "",
          "directory of ONNX node tests (each a model.onnx and test_data_set_*), e.g. "
          "/usr/share/libonnx-testdata/data/node");
ABSL_FLAG(std::string, report, "", "also write the results as JSON to this file");
ABSL_FLAG(std::string, filter, "", "run only the tests whose name contains this text");
ABSL_FLAG(int, jobs, 1, "tests run at the same time, each in its own child process");

namespace kiln {
namespace cli {
namespace {

constexpr char kName[] = "kiln conformance";

std::string Json(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrCat("\\u00", c < 0x10 ? "0" : "", absl::Hex(c));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string ReportJson(const std::string& suite, const NodeSuiteOptions& options,
                       const NodeSuiteReport& report) {
  std::string out = absl::StrCat("{\"suite\":", Json(suite), ",\"backend\":", Json(options.backend),
                                 ",\"rtol\":", options.rtol, ",\"atol\":", options.atol,
                                 ",\"passed\":", report.passed, ",\"failed\":", report.failed,
                                 ",\"skipped\":", report.skipped, ",\"tests\":[");
  for (size_t i = 0; i < report.results.size(); ++i) {
    const NodeTestResult& r = report.results[i];
    absl::StrAppend(&out, i ? "," : "", "{\"name\":", Json(r.name),
                    ",\"outcome\":", Json(NodeTestOutcomeName(r.outcome)),
                    ",\"message\":", Json(r.message), "}");
  }
  return out + "]}\n";
}

int Run(const Args& args) {
  if (!args.positional.empty()) {
    return Fail(kName, absl::StrCat("unexpected argument '", args.positional[0],
                                    "'; give the suite with --suite=DIR"),
                kExitUsage);
  }
  const std::string suite = absl::GetFlag(FLAGS_suite);
  if (suite.empty()) {
    return Fail(kName, "missing --suite=DIR; see 'kiln help conformance'", kExitUsage);
  }
  if (absl::GetFlag(FLAGS_jobs) < 1) return Fail(kName, "--jobs must be >= 1", kExitUsage);
  NodeSuiteOptions options;
  options.backend = absl::GetFlag(FLAGS_backend);
  options.filter = absl::GetFlag(FLAGS_filter);
  options.jobs = absl::GetFlag(FLAGS_jobs);
  absl::StatusOr<NodeSuiteReport> report = RunNodeSuite(suite, options, &std::cout);
  std::cout.flush();
  if (!report.ok()) return Fail(kName, absl::StrCat(suite, ": ", report.status().message()), 1);
  const std::string report_path = absl::GetFlag(FLAGS_report);
  if (!report_path.empty()) {
    const std::string json = ReportJson(suite, options, *report);
    if (absl::Status s = WriteFileBytes(report_path, std::vector<uint8_t>(json.begin(), json.end()));
        !s.ok()) {
      return Fail(kName, s);
    }
  }
  return report->failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace

const Command& ConformanceCommand() {
  static const Command command{
      "conformance",
      "kiln conformance --suite=DIR --backend=NAME [--report=FILE.json]",
      "Run ONNX's node test suite (or any suite laid out like it) on a backend.",
      "Runs every test found under DIR (DIR/<test>/model.onnx and test_data_set_*/) on the\n"
      "backend, each in its own process, compares the outputs with the suite's expected\n"
      "outputs (|got - want| <= atol + rtol * |want|, as ONNX's runner), prints one line\n"
      "per test (passed, failed with the error, or skipped with the reason) and ends with\n"
      "'N passed, N failed, N skipped'. Exits 0 when no test failed, 1 otherwise.\n"
      "\n"
      "Example:\n"
      "  kiln conformance --suite=/usr/share/libonnx-testdata/data/node --backend=cpu_ref\n",
      {"suite", "backend", "report", "filter", "jobs"},
      Run,
  };
  return command;
}

}  // namespace cli
}  // namespace kiln
