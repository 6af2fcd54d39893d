// Conformance of every LpNormalization tactic against
// cpu_ref.lp_normalization.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): tactics may sum the norm
// in another order; fp16 tensors <= 5e-3 (kFp16RelL2). Rows of zeros must
// give 0, not NaN.

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/lp_normalization.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Rank 1 to 4, every axis (the batch included), p 1 or 2. One case in four
// zeroes a prefix of the input so some rows have a zero norm.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 17));
  LpNormalizationParams p;
  p.axis = UniformInt(rng, -rank, rank - 1);
  p.p = Chance(rng, 0.5) ? 1 : 2;
  Weights x = RandomFloatTensor(dtype, dims, rng, -3.0f, 3.0f);
  if (Chance(rng, 0.25)) {
    const int64_t zeros = Volume(dims) / 2;
    std::fill_n(static_cast<uint8_t*>(x.mutable_data()), zeros * DataTypeSize(dtype), 0);
  }
  OpCase c;
  c.op = kLpNormalizationOp;
  c.attrs = Chance(rng, 0.15) ? AttrMap{} : p.ToAttrs();
  c.inputs = {Input(std::move(x))};
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (int i = 0; i < count; ++i) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(dtype, rng); }));
  }
  return cases;
}

class LpNormalizationConformanceTest : public ConformanceTest {};

TEST_P(LpNormalizationConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 20, rng));
}

TEST_P(LpNormalizationConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 12, rng));
}

KILN_CONFORMANCE_INSTANTIATE(LpNormalizationConformanceTest, kLpNormalizationOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
