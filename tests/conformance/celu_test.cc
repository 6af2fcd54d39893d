// Conformance of every Celu tactic against cpu_ref.celu.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): tactics may use an expm1
// a few ulp from the host's; fp16 tensors <= 5e-3 (kFp16RelL2). Cases have
// at least kMinElementsPerItem outputs per batch item.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/celu.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Rank 1 to 4; alpha small, default, large or negative (only nonzero is
// required), inputs on both sides of zero.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 17));
  constexpr float kAlphas[] = {1.0f, 0.25f, 2.5f, -0.75f};
  CeluParams p;
  p.alpha = kAlphas[UniformInt(rng, 0, 3)];
  OpCase c;
  c.op = kCeluOp;
  c.attrs = Chance(rng, 0.2) ? AttrMap{} : p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng, -4.0f, 4.0f))};
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

class CeluConformanceTest : public ConformanceTest {};

TEST_P(CeluConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 16, rng));
}

TEST_P(CeluConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

KILN_CONFORMANCE_INSTANTIATE(CeluConformanceTest, kCeluOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
