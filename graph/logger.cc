#include "graph/logger.h"

#include <cstdio>

namespace kiln {

absl::string_view SeverityName(Logger::Severity severity) {
  switch (severity) {
    case Logger::Severity::kError: return "E";
    case Logger::Severity::kWarning: return "W";
    case Logger::Severity::kInfo: return "I";
    case Logger::Severity::kVerbose: return "V";
  }
  return "?";
}

void StderrLogger::Log(Severity severity, absl::string_view message) {
  if (static_cast<int>(severity) > static_cast<int>(min_severity_)) return;
  std::fprintf(stderr, "[kiln %s] %.*s\n", std::string(SeverityName(severity)).c_str(),
               static_cast<int>(message.size()), message.data());
}

}  // namespace kiln
