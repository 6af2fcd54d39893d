// Conformance of every Expand tactic against cpu_ref.expand.direct.
//
// Bound: bit-exact for every dtype (random bytes: NaN payloads must survive).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/expand.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Input of rank 1 to 4 with some dims 1; `shape` broadcasts it: per input
// dim 1, the dim, or (for an input dim of 1) a new size; sometimes with up
// to two leading dims more than the input, or with fewer dims than it.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(Chance(rng, 0.4) ? 1 : SmallDim(rng, 7));
  ExpandParams p;
  const int extra = Chance(rng, 0.3) ? static_cast<int>(UniformInt(rng, 1, 2)) : 0;
  for (int d = 0; d < extra; ++d) p.shape.push_back(SmallDim(rng, 3));
  const int skip = extra == 0 && rank > 1 && Chance(rng, 0.2) ? 1 : 0;  // shape shorter
  for (int d = skip; d < rank; ++d) {
    const int64_t choice = UniformInt(rng, 0, 2);
    p.shape.push_back(choice == 0 ? 1 : (dims[d] == 1 && choice == 2 ? SmallDim(rng, 5) : dims[d]));
  }
  OpCase c;
  c.op = kExpandOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class ExpandConformanceTest : public ConformanceTest {};

TEST_P(ExpandConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 20; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(ExpandConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 2; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ExpandConformanceTest, kExpandOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
