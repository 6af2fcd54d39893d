// Conformance of every Logical tactic against cpu_ref.logical.direct.
//
// Bound: bit-exact (bool in, bool out).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/logical.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

Weights Bools(const Dims& dims, std::mt19937& rng) {
  return RandomTensor(DataType::kBool, dims, rng);
}

Dims ConstantDims(const Dims& dims, std::mt19937& rng) {
  Dims out;
  const int64_t drop = UniformInt(rng, 0, static_cast<int64_t>(dims.size()));
  for (size_t i = drop; i < dims.size(); ++i) out.push_back(Chance(rng, 0.5) ? 1 : dims[i]);
  return out;
}

// and/or/xor: equal shapes, a broadcast constant on either side, or two
// inputs broadcasting against each other; not: one input.
OpCase RandomCase(LogicalOp op, int layout, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  OpCase c;
  c.op = kLogicalOp;
  c.attrs = LogicalParams{op}.ToAttrs();
  c.tolerance = Tolerance::BitExact();
  if (op == LogicalOp::kNot) {
    c.inputs = {Input(Bools(dims, rng))};
    return c;
  }
  switch (layout) {
    case 0: c.inputs = {Input(Bools(dims, rng)), Input(Bools(dims, rng))}; break;
    case 1: c.inputs = {Input(Bools(dims, rng)), Constant(Bools(ConstantDims(dims, rng), rng))}; break;
    case 2: c.inputs = {Constant(Bools(ConstantDims(dims, rng), rng)), Input(Bools(dims, rng))}; break;
    default: {
      Dims a_dims = dims, b_dims = dims;
      for (size_t i = 1; i < dims.size(); ++i) (Chance(rng, 0.5) ? a_dims : b_dims)[i] = 1;
      c.inputs = {Input(Bools(a_dims, rng)), Input(Bools(b_dims, rng))};
      break;
    }
  }
  return c;
}

class LogicalConformanceTest : public ConformanceTest {};

TEST_P(LogicalConformanceTest, EveryOpAndLayout) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (LogicalOp op : {LogicalOp::kAnd, LogicalOp::kOr, LogicalOp::kXor, LogicalOp::kNot}) {
    for (int layout = 0; layout < 4; ++layout) cases.push_back(RandomCase(op, layout, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(LogicalConformanceTest, kLogicalOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
