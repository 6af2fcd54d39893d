// ChromeTraceProfiler: the spans it records and the JSON it writes.
#include "runtime/chrome_trace.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace kiln {
namespace {

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ChromeTraceTest, OneSpanPerReportedLayerOnItsRunsTrack) {
  ChromeTraceProfiler trace;
  trace.SetOp("conv1", "Convolution");
  trace.BeginRun("run 1");
  trace.ReportLayerTime("conv1", "cuda.convolution.cudnn.x", 0.5);
  trace.ReportLayerTime("relu \"1\"", "cpu_ref.activation", 0.25);
  trace.BeginRun("run 2");
  trace.ReportLayerTime("conv1", "cuda.convolution.cudnn.x", 0.5);
  EXPECT_EQ(trace.num_spans(), 3u);
  const std::string json = trace.ToJson();
  EXPECT_EQ(Count(json, "\"ph\": \"X\""), 3);
  EXPECT_EQ(Count(json, "\"thread_name\""), 2);
  EXPECT_EQ(Count(json, "\"tid\": 1, \"ts\""), 1);  // the second run's span
  EXPECT_NE(json.find("\"dur\": 500.000"), std::string::npos);
  EXPECT_NE(json.find("\"dur\": 250.000"), std::string::npos);
  EXPECT_NE(json.find("\"op\": \"Convolution\""), std::string::npos);
  // Quotes in names are escaped, so the file stays valid JSON.
  EXPECT_NE(json.find("\"relu \\\"1\\\"\""), std::string::npos);
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.substr(json.size() - 3), "]}\n");
}

TEST(ChromeTraceTest, WriteNamesAFileItCannotCreate) {
  ChromeTraceProfiler trace;
  absl::Status status = trace.Write("/nonexistent-dir/trace.json");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("/nonexistent-dir/trace.json"), std::string::npos);
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/trace.json";
  trace.ReportLayerTime("a", "t", 1.0);
  ASSERT_TRUE(trace.Write(path).ok());
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  EXPECT_EQ(text.str(), trace.ToJson());
}

}  // namespace
}  // namespace kiln
