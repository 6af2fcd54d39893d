#ifndef KILN_TESTS_UTIL_OP_RUNNER_H_
#define KILN_TESTS_UTIL_OP_RUNNER_H_

// Runs one tactic on one op directly (no builder, no plan): for per-op unit
// tests with hand-checked values. The conformance harness goes through the
// whole builder -> plan -> runtime path instead.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/tactic.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "gtest/gtest.h"

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

// A non-constant input of any dtype from raw values of the matching C++
// type (int8_t, int32_t, int64_t, uint16_t fp16 bits...).
template <typename T>
OpInput Typed(DataType dtype, Dims dims, const std::vector<T>& values) {
  return {Weights::FromBytes(dtype, std::move(dims), values.data(), values.size() * sizeof(T)),
          false};
}

// start, start + 1, ..., start + n - 1.
std::vector<float> Iota(int n, float start = 0.0f);

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

// GoogleTest expectations shared by the op tests. They are inline so that
// users of this library that are not tests (the benchmarks) need not link
// GoogleTest.

// Expects `status` to be an error whose message contains every one of `parts`.
inline void ExpectError(const absl::Status& status, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(status.ok()) << "expected an error containing '" << *parts.begin() << "'";
  for (const char* part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "missing '" << part << "' in: " << status;
  }
}
template <typename T>
void ExpectError(const absl::StatusOr<T>& s, std::initializer_list<const char*> parts) {
  ExpectError(s.status(), parts);
}

// Adds layer `layer` of `op` to a fresh network, reading input "x" (x_type,
// x_dims) and then one fp32 constant per entry of `constants` (std::nullopt:
// that optional input omitted), and expects it refused with a message that
// names the layer and contains `expected`.
inline void ExpectLayerRejected(absl::string_view op, const std::string& layer, Dims x_dims,
                                DataType x_type, const AttrMap& attrs, const std::string& expected,
                                const std::vector<std::optional<Dims>>& constants = {}) {
  SCOPED_TRACE(layer);
  NetworkDefinition net;
  std::vector<TensorId> inputs = {*net.AddInput("x", x_type, std::move(x_dims))};
  for (size_t i = 0; i < constants.size(); ++i) {
    inputs.push_back(constants[i].has_value()
                         ? *net.AddConstant(absl::StrCat("c", i + 1),
                                            Weights(DataType::kFloat32, *constants[i]))
                         : TensorId{-1});
  }
  const std::string quoted_layer = "'" + layer + "'";
  ExpectError(net.AddLayer1(layer, op, inputs, attrs), {quoted_layer.c_str(), expected.c_str()});
}

// A seed from $KILN_TEST_SEED or from the clock; printed so a failure can be
// reproduced with KILN_TEST_SEED=<seed>.
uint32_t TestSeed();

}  // namespace testutil
}  // namespace kiln

#endif  // KILN_TESTS_UTIL_OP_RUNNER_H_
