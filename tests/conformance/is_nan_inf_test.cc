// Conformance of every IsNanInf tactic against cpu_ref.is_nan_inf.direct.
//
// Bound: bit-exact (the output is bool).

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/is_nan_inf.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Finite values with about a quarter replaced by NaN, +inf or -inf.
Weights WithSpecials(DataType dtype, const Dims& dims, std::mt19937& rng) {
  Weights finite = RandomFloatTensor(DataType::kFloat32, dims, rng, -1e4f, 1e4f);
  std::vector<float> values = testutil::ToFloats(finite);
  constexpr float kSpecials[] = {std::numeric_limits<float>::quiet_NaN(),
                                 std::numeric_limits<float>::infinity(),
                                 -std::numeric_limits<float>::infinity(),
                                 -std::numeric_limits<float>::quiet_NaN()};
  for (float& v : values) {
    if (Chance(rng, 0.25)) v = kSpecials[UniformInt(rng, 0, 3)];
  }
  Weights out(dtype, dims);
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DataType::kFloat32) {
      out.mutable_as<float>()[i] = values[i];
    } else {
      out.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
    }
  }
  return out;
}

// Rank 1 to 4, "nan" or "inf" with every detect_positive/negative choice.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 17));
  IsNanInfParams p;
  p.inf = Chance(rng, 0.6);
  p.detect_positive = Chance(rng, 0.6);
  p.detect_negative = Chance(rng, 0.6);
  OpCase c;
  c.op = kIsNanInfOp;
  c.attrs = Chance(rng, 0.15) ? AttrMap{} : p.ToAttrs();
  c.inputs = {Input(WithSpecials(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (int i = 0; i < count; ++i) cases.push_back(RandomCase(dtype, rng));
  return cases;
}

class IsNanInfConformanceTest : public ConformanceTest {};

TEST_P(IsNanInfConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 16, rng));
}

TEST_P(IsNanInfConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 12, rng));
}

KILN_CONFORMANCE_INSTANTIATE(IsNanInfConformanceTest, kIsNanInfOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
