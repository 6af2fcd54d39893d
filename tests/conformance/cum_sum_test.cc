// Conformance of every CumSum tactic against cpu_ref.cum_sum.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): a tactic may sum in another
// order (a parallel scan); fp16 tensors <= 5e-3 (kFp16RelL2); int32 and
// int64 bit-exact (sums wrap). Float inputs are in [-0.5, 1.5), mostly
// positive, so running sums do not cancel to near zero. Cases have at least
// kMinElementsPerItem outputs per batch item.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/cum_sum.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Rank 1 to 4, any axis (positive or negative, the batch included),
// exclusive and reverse either way; one case in four has a long axis.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 13));
  CumSumParams p;
  const int64_t axis = UniformInt(rng, 0, rank - 1);
  if (axis > 0 && Chance(rng, 0.25)) dims[axis] = UniformInt(rng, 100, 700);
  p.axis = Chance(rng, 0.3) ? axis - rank : axis;
  p.exclusive = Chance(rng, 0.5);
  p.reverse = Chance(rng, 0.5);
  const bool is_float = dtype == DataType::kFloat32 || dtype == DataType::kFloat16;
  OpCase c;
  c.op = kCumSumOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(is_float ? RandomFloatTensor(dtype, dims, rng, -0.5f, 1.5f)
                             : RandomTensor(dtype, dims, rng, dtype == DataType::kInt32 ? -2e9 : -9e18,
                                            dtype == DataType::kInt32 ? 2e9 : 9e18))};
  c.tolerance = !is_float ? Tolerance::BitExact()
                          : Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (int i = 0; i < count; ++i) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(dtype, rng); }));
  }
  return cases;
}

class CumSumConformanceTest : public ConformanceTest {};

TEST_P(CumSumConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 16, rng));
}

TEST_P(CumSumConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

// Large values, so sums overflow and must wrap.
TEST_P(CumSumConformanceTest, IntegerRandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases = Cases(DataType::kInt32, 6, rng);
  for (OpCase& c : Cases(DataType::kInt64, 6, rng)) cases.push_back(std::move(c));
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(CumSumConformanceTest, kCumSumOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
