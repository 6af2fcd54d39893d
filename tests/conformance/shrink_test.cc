// Conformance of every Shrink tactic against cpu_ref.shrink.direct.
//
// Bound: bit-exact for fp32 and fp16: each element is one compare and at
// most one IEEE add in fp32 (fp16 rounded once from it), which every
// conforming tactic computes identically.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/shrink.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Rank 1 to 4; lambd and bias default or random (lambd 0 included), inputs
// straddling +-lambd.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 17));
  ShrinkParams p;
  p.lambd = Chance(rng, 0.2) ? 0.0f : static_cast<float>(UniformInt(rng, 1, 8)) * 0.25f;
  p.bias = static_cast<float>(UniformInt(rng, -4, 4)) * 0.3f;
  OpCase c;
  c.op = kShrinkOp;
  c.attrs = Chance(rng, 0.2) ? AttrMap{} : p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng, -3.0f, 3.0f))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (int i = 0; i < count; ++i) cases.push_back(RandomCase(dtype, rng));
  return cases;
}

class ShrinkConformanceTest : public ConformanceTest {};

TEST_P(ShrinkConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 16, rng));
}

TEST_P(ShrinkConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

KILN_CONFORMANCE_INSTANTIATE(ShrinkConformanceTest, kShrinkOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
