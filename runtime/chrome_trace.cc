#include "runtime/chrome_trace.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln {
namespace {

// A JSON string literal.
std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

ChromeTraceProfiler::ChromeTraceProfiler() : origin_(std::chrono::steady_clock::now()) {}

void ChromeTraceProfiler::BeginRun(absl::string_view label) { runs_.emplace_back(label); }

void ChromeTraceProfiler::SetOp(absl::string_view layer, absl::string_view op) {
  ops_.emplace_back(std::string(layer), std::string(op));
}

void ChromeTraceProfiler::ReportLayerTime(absl::string_view layer, absl::string_view tactic,
                                          double ms) {
  if (runs_.empty()) runs_.push_back("run");
  const double end_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - origin_).count();
  const double duration_us = ms * 1000.0;
  spans_.push_back({std::string(layer), std::string(tactic), static_cast<int>(runs_.size()) - 1,
                    std::max(0.0, end_us - duration_us), duration_us});
}

std::string ChromeTraceProfiler::ToJson() const {
  std::string json = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  bool first = true;
  auto add = [&](const std::string& event) {
    if (!first) json += ",\n";
    first = false;
    json += event;
  };
  add("{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": {\"name\": \"kiln\"}}");
  for (size_t r = 0; r < runs_.size(); ++r) {
    add(absl::StrCat("{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": ", r,
                     ", \"args\": {\"name\": ", Quote(runs_[r]), "}}"));
  }
  for (const Span& s : spans_) {
    std::string op;
    for (const auto& [layer, name] : ops_) {
      if (layer == s.layer) op = name;
    }
    std::string args = absl::StrCat("\"tactic\": ", Quote(s.tactic));
    if (!op.empty()) absl::StrAppend(&args, ", \"op\": ", Quote(op));
    add(absl::StrFormat(
        "{\"name\": %s, \"cat\": \"layer\", \"ph\": \"X\", \"pid\": 1, \"tid\": %d, "
        "\"ts\": %.3f, \"dur\": %.3f, \"args\": {%s}}",
        Quote(s.layer), s.run, s.start_us, s.duration_us, args));
  }
  json += "\n]}\n";
  return json;
}

absl::Status ChromeTraceProfiler::Write(const std::string& path) const {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) {
    return absl::InvalidArgumentError(absl::StrCat("cannot write trace file '", path, "'"));
  }
  file << ToJson();
  file.close();
  if (!file) return absl::DataLossError(absl::StrCat("writing trace file '", path, "' failed"));
  return absl::OkStatus();
}

}  // namespace kiln
