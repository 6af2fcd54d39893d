// Checks the benchmark registration without timing anything: every
// registered tactic of a benchmarked op gets its benchmarks, and one Run of
// each benchmarked (tactic, case) that the tactic supports succeeds and
// writes a finite value to every output element (outputs start as NaN).
#include "bench/tactic_bench_lib.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/status/status.h"
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
    const std::vector<std::shared_ptr<const BenchCase>> cases = CasesFor(op);
    EXPECT_FALSE(tactics.empty()) << op;
    EXPECT_FALSE(cases.empty()) << op;
    for (const Tactic* tactic : tactics) {
      const auto expected = std::count_if(
          cases.begin(), cases.end(),
          [&](const std::shared_ptr<const BenchCase>& c) { return Benchmarked(*tactic, *c); });
      // Every tactic, cpu_ref included, has cases to run.
      EXPECT_GT(expected, 0) << tactic->name();
      const std::string infix = absl::StrCat("/", tactic->name(), "/");
      const auto count = std::count_if(names.begin(), names.end(), [&](const std::string& name) {
        return absl::StrContains(name, infix);
      });
      EXPECT_EQ(count, expected) << tactic->name();
    }
  }
}

// Names select a group and a precision with a filter regex.
TEST(TacticBenchTest, NamesStartWithGroupAndPrecision) {
  const Tactic* tactic = TacticsOf(BenchmarkedOps()[0]).front();
  std::set<std::string> prefixes;
  for (const std::string& op : BenchmarkedOps()) {
    for (const std::shared_ptr<const BenchCase>& c : CasesFor(op)) {
      const std::string name = BenchmarkName(*tactic, *c);
      prefixes.insert(name.substr(0, name.find('/', name.find('/') + 1)));
      if (c->precision.rfind("fp16", 0) == 0) {
        EXPECT_EQ(c->dtype, DataType::kFloat16) << name;
      } else {
        EXPECT_EQ(c->dtype, DataType::kFloat32) << name;
      }
      EXPECT_EQ(c->allow_tf32, c->precision.rfind("tf32", 0) == 0) << name;
      EXPECT_GT(c->ceiling_tflops, 0) << name;
    }
  }
  EXPECT_EQ(prefixes, (std::set<std::string>{"conv/fp32.nchw", "conv/tf32.nchw",
                                             "conv/fp16.nchw", "conv/fp16.nhwc", "gemm/fp32",
                                             "gemm/tf32", "gemm/fp16"}));
}

// The data is what the case says: dtype, dims, and a fixed seed.
TEST(TacticBenchTest, InputsAreDeterministicAndInTheCaseDtype) {
  for (const std::string& op : BenchmarkedOps()) {
    for (const std::shared_ptr<const BenchCase>& c : CasesFor(op)) {
      if (c->flops > 1e9) continue;  // keep the test quick: the small cases say enough
      SCOPED_TRACE(c->name + " " + c->precision);
      const std::vector<testutil::OpInput> a = MakeInputs(*c), b = MakeInputs(*c);
      ASSERT_EQ(a.size(), c->inputs.size());
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].value.dtype(), c->dtype);
        EXPECT_EQ(a[i].value.dims(), c->inputs[i].dims);
        EXPECT_EQ(a[i].constant, c->inputs[i].constant);
        ASSERT_EQ(a[i].value.bytes(), b[i].value.bytes());
        EXPECT_EQ(std::memcmp(a[i].value.data(), b[i].value.data(), a[i].value.bytes()), 0);
        const std::vector<float> values = testutil::ToFloats(a[i].value);
        // Rounding to fp16 is monotonic: values stay within the rounded scale.
        const float scale = c->inputs[i].scale;
        const float bound =
            c->dtype == DataType::kFloat16 ? HalfToFloat(FloatToHalf(scale)) : scale;
        EXPECT_TRUE(std::all_of(values.begin(), values.end(),
                                [&](float v) { return std::abs(v) <= bound; }));
        // Not a constant fill.
        EXPECT_NE(*std::min_element(values.begin(), values.end()),
                  *std::max_element(values.begin(), values.end()));
      }
    }
  }
}

TEST(TacticBenchTest, EverySupportedCaseRunsWithFiniteOutputs) {
  for (const std::string& op : BenchmarkedOps()) {
    const std::vector<std::shared_ptr<const BenchCase>> cases = CasesFor(op);
    std::map<std::string, int> runs_per_backend;
    for (const Tactic* tactic : TacticsOf(op)) {
      if (!BackendAvailable(*tactic)) continue;  // e.g. cuda on a machine without a GPU
      int& runs = runs_per_backend[tactic->backend()];
      for (const std::shared_ptr<const BenchCase>& bench_case : cases) {
        if (!Benchmarked(*tactic, *bench_case)) continue;
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
    }
    // One tactic may refuse every case (cuda.convolution...nhwc.fp32 has no
    // NHWC fp32 case, an FFT algorithm no NHWC support), a backend may not.
    for (const auto& [backend, runs] : runs_per_backend) {
      EXPECT_GT(runs, 0) << "no " << backend << " tactic supports any of the " << op << " cases";
    }
  }
}

}  // namespace
}  // namespace bench
}  // namespace kiln
