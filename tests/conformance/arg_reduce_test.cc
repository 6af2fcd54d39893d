// Conformance of every ArgReduce tactic against cpu_ref.arg_reduce.direct.
//
// Bound: bit-exact (int64 indices of a selection). Values are small
// integers, so ties are common (first or last index wins by
// select_last_index), and float inputs hold NaNs (skipped), sometimes
// whole runs of them (index 0).

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/arg_reduce.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Integers in [-3, 3] of `dtype`; for fp32/fp16 each element is NaN with
// probability `nan_chance`.
Weights TiedValues(DataType dtype, const Dims& dims, double nan_chance, std::mt19937& rng) {
  Weights w(dtype, dims);
  for (int64_t i = 0; i < Volume(dims); ++i) {
    const int64_t v = UniformInt(rng, -3, 3);
    const float f = Chance(rng, nan_chance) ? std::numeric_limits<float>::quiet_NaN()
                                            : static_cast<float>(v);
    switch (dtype) {
      case DataType::kFloat32: w.mutable_as<float>()[i] = f; break;
      case DataType::kFloat16: w.mutable_as<uint16_t>()[i] = FloatToHalf(f); break;
      case DataType::kInt8: w.mutable_as<int8_t>()[i] = static_cast<int8_t>(v); break;
      case DataType::kInt32: w.mutable_as<int32_t>()[i] = static_cast<int32_t>(v); break;
      case DataType::kInt64: w.mutable_as<int64_t>()[i] = v; break;
      case DataType::kBool: w.mutable_as<uint8_t>()[i] = v > 0; break;
    }
  }
  return w;
}

// Rank 1 to 4, any axis (positive or negative, the batch included), max or
// min, keepdims and select_last_index either way.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 13));
  ArgReduceParams p;
  p.op = Chance(rng, 0.5) ? ArgReduceOp::kMax : ArgReduceOp::kMin;
  const int64_t axis = UniformInt(rng, 0, rank - 1);
  p.axis = Chance(rng, 0.3) ? axis - rank : axis;
  p.keepdims = Chance(rng, 0.5);
  p.select_last_index = Chance(rng, 0.5);
  const double nan_chance = Chance(rng, 0.2) ? 0.9 : 0.1;
  OpCase c;
  c.op = kArgReduceOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(TiedValues(dtype, dims, nan_chance, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class ArgReduceConformanceTest : public ConformanceTest {};

TEST_P(ArgReduceConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 20; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(ArgReduceConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (int i = 0; i < 10; ++i) cases.push_back(RandomCase(DataType::kFloat16, rng));
  CheckCases(cases);
}

TEST_P(ArgReduceConformanceTest, IntegerRandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (DataType dtype : {DataType::kInt8, DataType::kInt32, DataType::kInt64}) {
    for (int i = 0; i < 4; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ArgReduceConformanceTest, kArgReduceOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
