// Conformance of every DepthToSpace tactic against
// cpu_ref.depth_to_space.direct.
//
// Bound: bit-exact for every dtype (random bytes: NaN payloads must survive),
// DCR and CRD modes.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/depth_to_space.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// NCHW with C = C' * b * b, blocksize 1 to 3, either mode.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  DepthToSpaceParams p;
  p.blocksize = UniformInt(rng, 1, 3);
  p.mode = Chance(rng, 0.5) ? "DCR" : "CRD";
  const Dims dims = {SmallDim(rng, 3), SmallDim(rng, 5) * p.blocksize * p.blocksize,
                     SmallDim(rng, 7), SmallDim(rng, 7)};
  OpCase c;
  c.op = kDepthToSpaceOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class DepthToSpaceConformanceTest : public ConformanceTest {};

TEST_P(DepthToSpaceConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(DepthToSpaceConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 2; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(DepthToSpaceConformanceTest, kDepthToSpaceOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
