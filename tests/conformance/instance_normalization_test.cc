// Conformance of every InstanceNormalization tactic against
// cpu_ref.instance_normalization.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): tactics may sum the
// statistics in another order; fp16 tensors <= 5e-3 (kFp16RelL2).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/instance_normalization.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// (N, C, D1..Dk) with k from 0 to 3 (k = 0: planes of one element, whose
// variance is 0, so the output is the bias); epsilon default or random;
// inputs offset from zero so the mean matters. Planes up to 17^3 elements
// span several warps.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int spatial = static_cast<int>(UniformInt(rng, 0, 3));
  Dims dims = {SmallDim(rng, 4), SmallDim(rng, 7)};
  for (int i = 0; i < spatial; ++i) dims.push_back(SmallDim(rng, 17));
  InstanceNormalizationParams p;
  p.epsilon = Chance(rng, 0.5) ? 1e-5f : 0.1f;
  const float offset = static_cast<float>(UniformInt(rng, -3, 3));
  OpCase c;
  c.op = kInstanceNormalizationOp;
  c.attrs = Chance(rng, 0.2) ? AttrMap{} : p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng, offset - 1.0f, offset + 1.0f)),
              Constant(RandomFloatTensor(dtype, {dims[1]}, rng, 0.5f, 2.0f)),
              Constant(RandomFloatTensor(dtype, {dims[1]}, rng, -1.0f, 1.0f))};
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

class InstanceNormalizationConformanceTest : public ConformanceTest {};

TEST_P(InstanceNormalizationConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 16, rng));
}

TEST_P(InstanceNormalizationConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

KILN_CONFORMANCE_INSTANTIATE(InstanceNormalizationConformanceTest, kInstanceNormalizationOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
