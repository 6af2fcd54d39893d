// Conformance of every Where tactic against cpu_ref.where.direct.
//
// Bound: bit-exact for every dtype (x and y are random bytes: NaN payloads
// must survive the select).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/where.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// `dims` with each non-batch dim set to 1 at random: a network input that
// broadcasts against the others (dim 0 is the shared batch).
Dims WithOnes(const Dims& dims, std::mt19937& rng) {
  Dims out = dims;
  for (size_t i = 1; i < out.size(); ++i) out[i] = Chance(rng, 0.4) ? 1 : dims[i];
  return out;
}

// A constant that broadcasts to `dims`: leading dims dropped, others set to 1.
Dims ConstantDims(const Dims& dims, std::mt19937& rng) {
  Dims out;
  const int64_t drop = UniformInt(rng, 0, static_cast<int64_t>(dims.size()));
  for (size_t i = drop; i < dims.size(); ++i) out.push_back(Chance(rng, 0.5) ? 1 : dims[i]);
  return out;
}

// Output dims of rank 1 to 4. Each of condition, x and y is a network input
// (full dims, or with broadcast ones) or a broadcasting constant; x is always
// an input with the full dims so the network has one to batch.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  auto operand = [&](DataType type, bool full) {
    const int layout = full ? 0 : static_cast<int>(UniformInt(rng, 0, 2));
    if (layout == 0) return Input(RandomBits(type, dims, rng));
    if (layout == 1) return Input(RandomBits(type, WithOnes(dims, rng), rng));
    return Constant(RandomBits(type, ConstantDims(dims, rng), rng));
  };
  OpCase c;
  c.op = kWhereOp;
  testutil::OpInput cond = operand(DataType::kBool, false);
  testutil::OpInput x = operand(dtype, true);
  testutil::OpInput y = operand(dtype, false);
  c.inputs = {std::move(cond), std::move(x), std::move(y)};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class WhereConformanceTest : public ConformanceTest {};

TEST_P(WhereConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(WhereConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 3; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(WhereConformanceTest, kWhereOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
