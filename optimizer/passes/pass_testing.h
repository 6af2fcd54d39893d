#ifndef KILN_OPTIMIZER_PASSES_PASS_TESTING_H_
#define KILN_OPTIMIZER_PASSES_PASS_TESTING_H_

// What the pass tests share: the layer names of a graph, and a logger that
// keeps what the passes said so a test can check why a rewrite did not apply.

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/logger.h"

namespace kiln {
namespace testutil {

inline std::vector<std::string> Names(const Graph& g) {
  std::vector<std::string> names;
  for (const Node& n : g.nodes()) names.push_back(n.name);
  return names;
}

class RecordingLogger : public Logger {
 public:
  void Log(Severity severity, absl::string_view message) override {
    if (severity == Severity::kVerbose) messages_.emplace_back(message);
  }
  const std::vector<std::string>& messages() const { return messages_; }
  // Whether one message contains every one of `parts`.
  bool Said(std::initializer_list<absl::string_view> parts) const {
    for (const std::string& m : messages_) {
      bool all = true;
      for (absl::string_view part : parts) all = all && absl::StrContains(m, part);
      if (all) return true;
    }
    return false;
  }
  std::string All() const { return absl::StrJoin(messages_, "\n"); }

 private:
  std::vector<std::string> messages_;
};

}  // namespace testutil
}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_PASS_TESTING_H_
