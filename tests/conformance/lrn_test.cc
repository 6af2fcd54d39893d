// Conformance of every LRN tactic against cpu_ref.lrn.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): a tactic may keep a running
// window sum or use pow/exp-log differently, which moves outputs by a few
// ULPs; fp16 tensors <= 5e-3 (kFp16RelL2). Cases have at least
// kMinElementsPerItem outputs per batch item.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/lrn.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Windows even and odd, wider than the channels at times; rank 2 to 5
// (N, C, spatial...); alpha, beta and bias over the ranges networks use
// (AlexNet: size 5, alpha 1e-4, beta 0.75, bias 1 or 2).
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  LrnParams p;
  p.size = Chance(rng, 0.5) ? 2 * UniformInt(rng, 0, 3) + 1 : SmallDim(rng, 8);
  // Large alphas make the normalization matter in the output.
  p.alpha = Chance(rng, 0.5) ? 1e-4f : 0.1f + u(rng);
  p.beta = 0.5f + 0.5f * u(rng);
  p.bias = 1.0f + u(rng);
  Dims dims = {SmallDim(rng, 3), SmallDim(rng, 17)};
  const int spatial = static_cast<int>(UniformInt(rng, 0, 3));
  for (int i = 0; i < spatial; ++i) dims.push_back(SmallDim(rng, 8));
  OpCase c;
  c.op = kLrnOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng, -2.0f, 2.0f))};
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

class LrnConformanceTest : public ConformanceTest {};

TEST_P(LrnConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 16, rng));
}

TEST_P(LrnConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 8, rng));
}

KILN_CONFORMANCE_INSTANTIATE(LrnConformanceTest, kLrnOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
