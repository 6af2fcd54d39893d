// Conformance of every Hardmax tactic against cpu_ref.hardmax.direct.
//
// Bound: bit-exact (a selection: the output is 0 or 1). Inputs are small
// integers so ties are common (the first maximum wins), with some NaN (never
// chosen, except a NaN first element, as in cpu_ref's scan).

#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/hardmax.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

Weights TiedValues(DataType dtype, const Dims& dims, bool nans, std::mt19937& rng) {
  Weights w(dtype, dims);
  const int64_t n = Volume(dims);
  for (int64_t i = 0; i < n; ++i) {
    float v = static_cast<float>(UniformInt(rng, -3, 3));
    if (nans && Chance(rng, 0.15)) v = std::numeric_limits<float>::quiet_NaN();
    if (dtype == DataType::kFloat32) {
      w.mutable_as<float>()[i] = v;
    } else {
      w.mutable_as<uint16_t>()[i] = FloatToHalf(v);
    }
  }
  return w;
}

// Rank 1 to 4, every axis (positive or negative, the batch included);
// continuous values, tied values, or tied values with NaN.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 17));
  HardmaxParams p;
  p.axis = UniformInt(rng, -rank, rank - 1);
  OpCase c;
  c.op = kHardmaxOp;
  c.attrs = Chance(rng, 0.15) ? AttrMap{} : p.ToAttrs();
  const int64_t kind = UniformInt(rng, 0, 2);
  c.inputs = {Input(kind == 0 ? RandomFloatTensor(dtype, dims, rng, -2.0f, 2.0f)
                              : TiedValues(dtype, dims, kind == 2, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (int i = 0; i < count; ++i) cases.push_back(RandomCase(dtype, rng));
  return cases;
}

class HardmaxConformanceTest : public ConformanceTest {};

TEST_P(HardmaxConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 20, rng));
}

TEST_P(HardmaxConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 12, rng));
}

TEST_P(HardmaxConformanceTest, LongRows) {
  // Rows longer than one block of threads: the block arg-max combines warps.
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (int i = 0; i < 4; ++i) {
    OpCase c;
    c.op = kHardmaxOp;
    c.attrs = HardmaxParams{-1}.ToAttrs();
    c.inputs = {Input(TiedValues(DataType::kFloat32, {2, 3, 700 + 97 * i}, i % 2 == 1, rng))};
    c.tolerance = Tolerance::BitExact();
    cases.push_back(std::move(c));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(HardmaxConformanceTest, kHardmaxOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
