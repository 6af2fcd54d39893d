// Conformance of every Tile tactic against cpu_ref.tile.direct.
//
// Bound: bit-exact for every dtype (random bytes: NaN payloads must survive).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/tile.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Rank 1 to 5, repeats 0 to 3 per dim (0 gives an empty output; the batch
// dim is repeated too).
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 5));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, rank > 3 ? 5 : 13));
  TileParams p;
  for (int d = 0; d < rank; ++d) p.repeats.push_back(Chance(rng, 0.05) ? 0 : UniformInt(rng, 1, 3));
  OpCase c;
  c.op = kTileOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class TileConformanceTest : public ConformanceTest {};

TEST_P(TileConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(TileConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 2; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(TileConformanceTest, kTileOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
