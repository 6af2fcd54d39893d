#ifndef KILN_TESTS_UTIL_OP_RUNNER_H_
#define KILN_TESTS_UTIL_OP_RUNNER_H_

// Runs one tactic on one op directly (no builder, no plan): for per-op unit
// tests with hand-checked values. The conformance harness goes through the
// whole builder -> plan -> runtime path instead.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "backends/tactic.h"
#include "graph/attributes.h"
#include "graph/types.h"

namespace kiln {
namespace testutil {

// One input of a single-op test: a tensor with data, marked constant (a
// weight the tactic may pre-format) or not.
struct OpInput {
  Weights value;
  bool constant = false;
};

inline OpInput In(Dims dims, std::vector<float> values) {
  return {Weights::FromFloats(std::move(dims), values), false};
}
inline OpInput Const(Dims dims, std::vector<float> values) {
  return {Weights::FromFloats(std::move(dims), values), true};
}
inline OpInput Omitted() { return {Weights(), false}; }  // an omitted optional input

// Infers output shapes with the op's registered shape inference and builds
// the NodeContext a tactic sees. Omitted inputs: OpInput with empty dims and
// bytes()==0 built by Omitted().
absl::StatusOr<NodeContext> MakeNodeContext(absl::string_view op, const AttrMap& attrs,
                                            const std::vector<OpInput>& inputs);

// Runs `tactic_name` (default: the op's reference tactic) on the inputs.
// Outputs are filled with NaN before the run.
absl::StatusOr<std::vector<Weights>> RunOp(absl::string_view op, const AttrMap& attrs,
                                           const std::vector<OpInput>& inputs,
                                           absl::string_view tactic_name = "");

std::vector<float> ToFloats(const Weights& w);  // fp32/fp16/int types converted to float

// Random fp32 tensor in [lo, hi).
Weights RandomFloats(Dims dims, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f);

// A seed from $KILN_TEST_SEED or from the clock; printed so a failure can be
// reproduced with KILN_TEST_SEED=<seed>.
uint32_t TestSeed();

}  // namespace testutil
}  // namespace kiln

#endif  // KILN_TESTS_UTIL_OP_RUNNER_H_
