// Conformance of every MeanVarianceNormalization tactic against
// cpu_ref.mean_variance_normalization.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): tactics may sum the
// statistics in another order; fp16 tensors <= 5e-3 (kFp16RelL2).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/mean_variance_normalization.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Rank 1 to 4. Rank 4 uses the default axes {0, 2, 3} (the batch reduced
// too) one case in three; otherwise a random non-empty set of axes, each
// positive or negative, in any order.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  OpCase c;
  c.op = kMeanVarianceNormalizationOp;
  if (rank == 4 && Chance(rng, 0.33)) {
    c.attrs = AttrMap{};
  } else {
    MeanVarianceNormalizationParams p;
    p.axes.clear();
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (Chance(rng, 0.5)) p.axes.push_back(Chance(rng, 0.3) ? d - rank : d);
    }
    if (p.axes.empty()) p.axes.push_back(rank - 1);
    c.attrs = p.ToAttrs();
  }
  const float offset = static_cast<float>(UniformInt(rng, -3, 3));
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng, offset - 1.0f, offset + 1.0f))};
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

class MeanVarianceNormalizationConformanceTest : public ConformanceTest {};

TEST_P(MeanVarianceNormalizationConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 20, rng));
}

TEST_P(MeanVarianceNormalizationConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 12, rng));
}

KILN_CONFORMANCE_INSTANTIATE(MeanVarianceNormalizationConformanceTest,
                             kMeanVarianceNormalizationOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
