#ifndef KILN_GRAPH_LOGGER_H_
#define KILN_GRAPH_LOGGER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace kiln {

// Receives build and load logs. Implementations must be thread-safe if one
// logger is shared by builders on several threads.
class Logger {
 public:
  enum class Severity { kError = 0, kWarning = 1, kInfo = 2, kVerbose = 3 };
  virtual ~Logger() = default;
  virtual void Log(Severity severity, absl::string_view message) = 0;
};

absl::string_view SeverityName(Logger::Severity severity);

// Writes messages at or above `min_severity` to stderr as "[kiln I] ...".
class StderrLogger : public Logger {
 public:
  explicit StderrLogger(Severity min_severity = Severity::kInfo) : min_severity_(min_severity) {}
  void Log(Severity severity, absl::string_view message) override;

 private:
  Severity min_severity_;
};

// Drops everything.
class NullLogger : public Logger {
 public:
  void Log(Severity, absl::string_view) override {}
};

}  // namespace kiln

#endif  // KILN_GRAPH_LOGGER_H_
