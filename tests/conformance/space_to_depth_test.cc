// Conformance of every SpaceToDepth tactic against
// cpu_ref.space_to_depth.direct.
//
// Bound: bit-exact for every dtype (random bytes: NaN payloads must survive).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/space_to_depth.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// NCHW with H and W multiples of the blocksize (1 to 3).
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  SpaceToDepthParams p;
  p.blocksize = UniformInt(rng, 1, 3);
  const Dims dims = {SmallDim(rng, 3), SmallDim(rng, 7), SmallDim(rng, 5) * p.blocksize,
                     SmallDim(rng, 5) * p.blocksize};
  OpCase c;
  c.op = kSpaceToDepthOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class SpaceToDepthConformanceTest : public ConformanceTest {};

TEST_P(SpaceToDepthConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(SpaceToDepthConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 2; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(SpaceToDepthConformanceTest, kSpaceToDepthOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
