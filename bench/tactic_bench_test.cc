// Checks the benchmark registration without timing anything: every
// registered Convolution and FullyConnected tactic gets benchmarks, and one
// Run of each (tactic, case) that the tactic supports succeeds and writes a
// finite value to every output element (outputs start as NaN).
#include "bench/tactic_bench_lib.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backends/backend.h"
#include "backends/tactic_registry.h"
#include "gtest/gtest.h"

namespace kiln {
namespace bench {
namespace {

std::vector<const Tactic*> TacticsOf(const std::string& op) {
  std::vector<const Tactic*> tactics;
  for (const Tactic* tactic : TacticRegistry::Global().All()) {
    if (tactic->op() == op) tactics.push_back(tactic);
  }
  return tactics;
}

bool BackendAvailable(const Tactic& tactic) {
  const Backend* backend = BackendRegistry::Global().Find(tactic.backend());
  return backend != nullptr && backend->Available().ok();
}

TEST(TacticBenchTest, EveryTacticHasBenchmarks) {
  const std::vector<std::string> names = RegisterTacticBenchmarks();
  // No duplicates: Google Benchmark would run (and report) both.
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  for (const std::string& op : BenchmarkedOps()) {
    const std::vector<const Tactic*> tactics = TacticsOf(op);
    // cpu_ref has a reference and a fast tactic for both ops.
    EXPECT_GE(tactics.size(), 2u) << op;
    EXPECT_FALSE(CasesFor(op).empty()) << op;
    for (const Tactic* tactic : tactics) {
      const std::string prefix = absl::StrCat(op, "/", tactic->name(), "/");
      const auto count = std::count_if(names.begin(), names.end(), [&](const std::string& name) {
        return absl::StartsWith(name, prefix);
      });
      EXPECT_EQ(static_cast<size_t>(count), CasesFor(op).size()) << prefix;
    }
  }
}

TEST(TacticBenchTest, EverySupportedCaseRunsWithFiniteOutputs) {
  for (const std::string& op : BenchmarkedOps()) {
    for (const Tactic* tactic : TacticsOf(op)) {
      if (!BackendAvailable(*tactic)) continue;  // e.g. cuda on a machine without a GPU
      int runs = 0;
      for (const std::shared_ptr<const BenchCase>& bench_case : CasesFor(op)) {
        SCOPED_TRACE(BenchmarkName(*tactic, *bench_case));
        absl::StatusOr<std::unique_ptr<PreparedRun>> run =
            PreparedRun::Create(*tactic, bench_case);
        if (absl::IsUnimplemented(run.status())) continue;  // Supports() refused the case
        ASSERT_TRUE(run.ok()) << run.status();
        ASSERT_TRUE((*run)->Run().ok());
        absl::StatusOr<std::vector<float>> out = (*run)->OutputFloats(0);
        ASSERT_TRUE(out.ok()) << out.status();
        ASSERT_FALSE(out->empty());
        const auto bad = std::find_if(out->begin(), out->end(),
                                      [](float v) { return !std::isfinite(v); });
        EXPECT_EQ(bad, out->end()) << "output element " << (bad - out->begin()) << " is "
                                   << (bad == out->end() ? 0.0f : *bad);
        ++runs;
      }
      EXPECT_GT(runs, 0) << tactic->name() << " supports none of the " << op << " cases";
    }
  }
}

}  // namespace
}  // namespace bench
}  // namespace kiln
