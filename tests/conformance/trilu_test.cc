// Conformance of every Trilu tactic against cpu_ref.trilu.direct.
//
// Bound: bit-exact for every dtype (random bytes: NaN payloads must survive).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/trilu.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Rank 2 to 4, upper or lower, diagonals k from -5 to 5 (beyond the matrix
// too: all kept or all zero).
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 2, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 13));
  TriluParams p;
  p.upper = Chance(rng, 0.5);
  p.k = UniformInt(rng, -5, 5);
  OpCase c;
  c.op = kTriluOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class TriluConformanceTest : public ConformanceTest {};

TEST_P(TriluConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(TriluConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 2; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(TriluConformanceTest, kTriluOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
