// Conformance of every Identity tactic against cpu_ref.identity.direct.
//
// Bound: bit-exact for every dtype. The inputs are random bytes, so NaN
// payloads, infinities and subnormals must come through unchanged.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/identity.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

class IdentityConformanceTest : public ConformanceTest {};

TEST_P(IdentityConformanceTest, EveryDataTypeRandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 3; ++i) {
      const int rank = static_cast<int>(UniformInt(rng, 1, 4));
      Dims dims = {SmallDim(rng, 4)};
      for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 17));
      OpCase c;
      c.op = kIdentityOp;
      c.inputs = {Input(RandomBits(dtype, dims, rng))};
      c.tolerance = Tolerance::BitExact();
      cases.push_back(std::move(c));
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(IdentityConformanceTest, kIdentityOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
