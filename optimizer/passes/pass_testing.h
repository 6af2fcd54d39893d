#ifndef KILN_OPTIMIZER_PASSES_PASS_TESTING_H_
#define KILN_OPTIMIZER_PASSES_PASS_TESTING_H_

// What the pass tests share: the layer names of a graph, and a logger that
// keeps what the passes said so a test can check why a rewrite did not apply.

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
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

// `pass` on `net`'s graph reports no change, the layers are still `names`,
// and it logged `why` (all of those parts in one message).
inline void ExpectNotFused(Pass& pass, const NetworkDefinition& net,
                           const std::vector<std::string>& names,
                           std::initializer_list<absl::string_view> why) {
  Graph g = net.graph();
  RecordingLogger logger;
  auto changed = pass.Run(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(Names(g), names);
  EXPECT_TRUE(logger.Said(why)) << "log:\n" << logger.All();
}

// A pass that makes layers of `op` (BackendsRun): built for a backend
// without a tactic for `op`, `gated` leaves `net` alone and says why;
// `open`, built for cpu_ref, fuses the same graph.
inline void ExpectFusesOnlyWithATactic(Pass& gated, Pass& open, const NetworkDefinition& net,
                                       absl::string_view op) {
  Graph g = net.graph();
  RecordingLogger logger;
  auto changed = gated.Run(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_TRUE(logger.Said({absl::StrCat("no ", op, " tactic"), "[no_such_backend]"}))
      << logger.All();
  auto fused = open.Run(g, nullptr);
  ASSERT_TRUE(fused.ok()) << fused.status();
  EXPECT_TRUE(*fused);
}

// Builds `net` with `config` (on cpu_ref unless it says otherwise), expects
// `expected_layers` layers in the plan, runs it through a serialized plan at
// `batch` with `x` bound to the first input (outputs NaN-filled first), and
// returns the output named "y". How the pass tests compare a network built
// with a pass against the same network where the pass cannot apply.
inline std::vector<float> BuildAndRunY(const NetworkDefinition& net, const BuildConfig& config,
                                       int expected_layers, const std::vector<float>& x,
                                       int batch) {
  auto plan = Builder::Build(net, config);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return {};
  EXPECT_EQ(static_cast<int>(plan->nodes.size()), expected_layers);
  auto bytes = PlanWriter::Write(*plan);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  if (!bytes.ok()) return {};
  auto engine = Runtime::Deserialize(*bytes);
  EXPECT_TRUE(engine.ok()) << engine.status();
  if (!engine.ok()) return {};
  auto ctx = (*engine)->CreateExecutionContext();
  EXPECT_TRUE(ctx.ok()) << ctx.status();
  if (!ctx.ok()) return {};
  std::vector<std::vector<float>> outputs;
  std::vector<void*> bindings = {const_cast<float*>(x.data())};
  for (int i = 1; i < (*engine)->num_bindings(); ++i) {
    auto desc = (*engine)->binding_desc(i, batch);
    outputs.emplace_back(desc->volume(), NAN);
    bindings.push_back(outputs.back().data());
  }
  absl::Status run = (*ctx)->Execute(batch, bindings);
  EXPECT_TRUE(run.ok()) << run;
  const int y = (*engine)->binding_index("y");
  EXPECT_GE(y, 1);
  return y >= 1 ? outputs[y - 1] : std::vector<float>{};
}

// ||got - want|| / ||want|| over all elements (sizes must match), in double.
inline double RelativeL2(const std::vector<float>& got, const std::vector<float>& want) {
  EXPECT_EQ(got.size(), want.size());
  double diff = 0.0, norm = 0.0;
  for (size_t i = 0; i < want.size() && i < got.size(); ++i) {
    const double d = static_cast<double>(got[i]) - want[i];
    diff += d * d;
    norm += static_cast<double>(want[i]) * want[i];
  }
  return std::sqrt(diff / std::max(norm, 1e-30));
}

}  // namespace testutil
}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_PASS_TESTING_H_
