#ifndef KILN_TESTS_CONFORMANCE_HARNESS_H_
#define KILN_TESTS_CONFORMANCE_HARNESS_H_

// The cross-backend conformance harness (DESIGN.md, "The oracle policy").
//
// One test case is one op with its attributes and input tensors. For a tactic
// under test the harness builds the one-layer network, has the builder make a
// plan, forces the tactic onto the node (the builder picks by timing),
// serializes the plan with PlanWriter, loads it with Runtime::Deserialize and
// runs it with NaN-poisoned outputs; the op's reference tactic goes through
// the same path on the same inputs, and every output is compared under the
// case's tolerance. Each run prints its measured error; a failure prints the
// seed (KILN_TEST_SEED=<seed> reproduces it).
//
// Tests are parameterized over every registered tactic of the op, whatever
// its backend (see TacticNamesFor); a tactic whose backend cannot run on this
// machine is skipped with the reason.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/tactic.h"
#include "graph/attributes.h"
#include "graph/types.h"
#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace conformance {

// The policy's bounds. Each op's test file states the bound it uses.
inline constexpr double kFp32RelL2 = 1e-5;
inline constexpr double kFp16RelL2 = 5e-3;
inline constexpr double kTf32RelL2 = 1e-3;

// How close a tactic's outputs must be to the reference's. Integer and bool
// outputs are always compared bit for bit.
struct Tolerance {
  bool bit_exact = true;
  double max_rel_l2 = 0.0;  // when !bit_exact: ||got - ref||_2 / ||ref||_2
  // Bit-exact except that any NaN matches any NaN: for conversions, where
  // the payload of a converted NaN is not part of the contract.
  bool any_nan = false;

  static Tolerance BitExact() { return {true, 0.0, false}; }
  static Tolerance BitExactAnyNaN() { return {true, 0.0, true}; }
  static Tolerance RelL2(double bound) { return {false, bound, false}; }
  std::string ToString() const;
};

// One single-op test case. Every non-constant input becomes a network input,
// so its dim 0 is the batch and all of them share it; the rest (weights,
// broadcast operands, indices...) are constants. Omitted optional inputs are
// testutil::Omitted().
struct OpCase {
  std::string op;
  AttrMap attrs;
  std::vector<testutil::OpInput> inputs;
  Tolerance tolerance;
  // Also run at batch 1 when the max batch is larger (checks that kernels use
  // the run's dims, not the build's). Turn off when a smaller batch changes
  // the meaning of the case (e.g. gather indices along the batch dim).
  bool run_batch_one = true;
  // Build with BuildConfig.allow_tf32 (fp32 tactics may use TF32 tensor
  // cores; the policy's bound is kTf32RelL2).
  bool allow_tf32 = false;
  // Dynamic-shape mode: sizes that stay fixed in the profile, as a size a
  // constant shares does (e.g. an attention head size, which a network's
  // weights fix).
  std::vector<int64_t> fixed_sizes;

  // "Convolution(group=1, ...) in0 fp32[2x3x5x5], const1 fp32[4x3x3x3]".
  std::string ToString() const;
};

// Measured error of one comparison (or the worst over several).
struct ErrorStats {
  int64_t elements = 0;
  double max_abs = 0.0;
  double max_ulp = 0.0;     // in units of the output's float type
  double rel_l2 = 0.0;
  int64_t bit_mismatches = 0;   // elements whose bits differ
  int64_t bad_elements = 0;     // NaN/inf where the reference has none, or the reverse

  void Merge(const ErrorStats& other);
  std::string ToString() const;
};

// Compares `got` with `want` under `tolerance`. Returns "" when they agree,
// otherwise what is wrong (with the first offending elements); `stats` gets
// the measured error either way.
std::string CompareOutputs(const Weights& got, const Weights& want, const Tolerance& tolerance,
                           ErrorStats* stats);

// Relative L2 measures a tactic's arithmetic only over more than a handful of
// output values: a single output near zero (a dot product whose terms cancel,
// sin near pi) turns harmless rounding differences into a large relative
// error. Arithmetic tests therefore draw cases with at least this many output
// elements per batch item (the batch-1 run compares a single item).
inline constexpr int64_t kMinElementsPerItem = 8;

// Elements per batch item of the case's smallest output (volume over dim 0;
// the volume for a scalar); -1 when shape inference refuses the case.
int64_t OutputElementsPerItem(const OpCase& c);

// Calls `draw` (returning an OpCase) until the case has at least `min`
// output elements per batch item; gives up after 1000 draws and returns the
// last one.
template <typename Draw>
OpCase DrawWithOutputs(Draw draw, int64_t min = kMinElementsPerItem) {
  OpCase c = draw();
  for (int attempt = 0; attempt < 1000 && OutputElementsPerItem(c) < min; ++attempt) c = draw();
  return c;
}

// Outcome of one case for one tactic.
struct CaseResult {
  bool supported = true;       // false: the tactic's Supports refused the case
  std::string unsupported_reason;
  ErrorStats error;            // worst over outputs and batch sizes
  std::string failure;         // "" when the tactic matched the reference
  std::string layouts;         // run in: "linear", "nhwc" or "linear+nhwc"
  // Dynamic-shape mode (tactics with TacticInfo::dynamic_shapes): the shapes
  // one plan built for a profile ran at, each against the reference built
  // for exactly that shape; 0 when no input dim of the case could vary.
  int dynamic_shapes = 0;
  // The tactic's own refusal of the profile (its Supports at a corner, e.g.
  // a GEMM algorithm that one corner lacks): the plan did not build, which
  // is the tactic saying what it cannot take, not a mismatch; "" otherwise.
  std::string dynamic_refused;
};

// Runs `c` with `tactic` and with the op's reference tactic through the
// builder, PlanWriter, Runtime::Deserialize and ExecutionContext::Execute, and
// compares them. A tactic that accepts NHWC is also run with the case's
// rank-4 float tensors in NHWC (constants converted, Reformat layers from and
// to the linear bindings added by the builder), compared the same way. A
// tactic with TacticInfo::dynamic_shapes is also built once for a profile
// whose max is the case and whose smaller shapes shrink the case's
// non-constant input dims (sizes no constant shares, the same size to the
// same value), and run at the profile's min, at up to three random shapes
// and at its max, each compared with the reference built for exactly that
// shape on the leading part of the case's data (a profile the tactic itself
// refuses is reported in CaseResult::dynamic_refused). When `tactic` is the
// reference, its plan run is also compared bit for bit with a direct run of
// the kernel (the plan round trip must not change anything). An error status
// means the harness could not run the case at all (a bad case or a broken
// build/load path).
absl::StatusOr<CaseResult> RunCase(const OpCase& c, const Tactic& tactic);

// The names of every registered tactic of `op`, on every backend, sorted.
// Call it inside ValuesIn (after static initialization).
std::vector<std::string> TacticNamesFor(absl::string_view op);

// gtest parameter name: the tactic name with non-alphanumerics as '_'.
std::string TacticParamName(const ::testing::TestParamInfo<std::string>& info);

// Base fixture of conformance tests, parameterized by tactic name. SetUp skips
// (GTEST_SKIP) a tactic whose backend is not available here.
class ConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;

  const Tactic& tactic() const { return *tactic_; }

  // Runs every case through RunCase, prints one line per case and a summary
  // (op, tactic, worst error), and fails with the seed on any mismatch. The
  // reference must support every case; when another tactic supports none of
  // them the test is skipped with its reasons.
  void CheckCases(const std::vector<OpCase>& cases);

  // A generator seeded from testutil::TestSeed() and `salt` (use a different
  // salt per test so fp32 and fp16 tests draw different shapes).
  static std::mt19937 Rng(uint32_t salt);

 private:
  const Tactic* tactic_ = nullptr;
};

// Instantiates `suite` (a ConformanceTest subclass) over every registered
// tactic of `op`.
#define KILN_CONFORMANCE_INSTANTIATE(suite, op)                                      \
  INSTANTIATE_TEST_SUITE_P(AllTactics, suite,                                        \
                           ::testing::ValuesIn(::kiln::conformance::TacticNamesFor(op)), \
                           ::kiln::conformance::TacticParamName)

// Random data. Sizes are biased toward small and odd values, the ones most
// likely to be special cases (TFLite's random conv tests do the same).

// One of 1, 2, 3, 4, 5, 7, 8, 13, 16, 17, at most `max`.
int64_t SmallDim(std::mt19937& rng, int64_t max = 17);
// Uniform integer in [lo, hi].
int64_t UniformInt(std::mt19937& rng, int64_t lo, int64_t hi);
// True with probability p.
bool Chance(std::mt19937& rng, double p);
// `n` SmallDims, each at most `max`.
Dims SmallDims(std::mt19937& rng, int n, int64_t max = 17);

// fp32 or fp16 tensor, uniform in [lo, hi) (fp16 values are rounded).
Weights RandomFloatTensor(DataType dtype, Dims dims, std::mt19937& rng, float lo = -1.0f,
                          float hi = 1.0f);
// Negates, each with probability 1/2, whole rows (`rows`) or whole columns
// of every matrix (the last two dims; a 1-D tensor is one row) of an fp32 or
// fp16 tensor. For GEMM operands drawn mostly positive this makes about half
// the outputs negative without cancellation, so a fused ReLU clamps many.
void NegateRandomLines(Weights& w, bool rows, std::mt19937& rng);
// Any dtype: floats uniform in [lo, hi); integers uniform in [lo, hi]
// (clamped to the type); bool 0 or 1.
Weights RandomTensor(DataType dtype, Dims dims, std::mt19937& rng, double lo = -100.0,
                     double hi = 100.0);

// Random bytes of any dtype (NaNs with payloads, infinities and subnormals
// included), for ops that must move data bit for bit; bool stays 0 or 1.
Weights RandomBits(DataType dtype, Dims dims, std::mt19937& rng);

// Every DataType, for data-movement ops that work on any type byte-wise.
std::vector<DataType> AllDataTypes();

inline testutil::OpInput Input(Weights w) { return {std::move(w), false}; }
inline testutil::OpInput Constant(Weights w) { return {std::move(w), true}; }

}  // namespace conformance
}  // namespace kiln

#endif  // KILN_TESTS_CONFORMANCE_HARNESS_H_
