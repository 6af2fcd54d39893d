// Conformance of every PRelu tactic against cpu_ref.prelu.direct.
//
// Bound: bit-exact for fp32 and fp16: each element is x or one IEEE multiply
// slope * x in fp32 (fp16 rounded once from it).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/prelu.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// x of rank 1 to 4. The slope is a constant broadcasting one way to x
// (each right-aligned dim 1 or x's, leading dims dropped, down to rank 0;
// per-channel (C, 1, 1) is the common one), or one case in four a network
// input of x's dims.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  OpCase c;
  c.op = kPReluOp;
  Weights x = RandomFloatTensor(dtype, dims, rng, -2.0f, 2.0f);
  if (Chance(rng, 0.25)) {
    c.inputs = {Input(std::move(x)), Input(RandomFloatTensor(dtype, dims, rng, -1.0f, 1.0f))};
  } else {
    Dims slope_dims;
    const int64_t drop = UniformInt(rng, 0, rank);
    for (int64_t d = drop; d < rank; ++d) slope_dims.push_back(Chance(rng, 0.5) ? 1 : dims[d]);
    c.inputs = {Input(std::move(x)),
                Constant(RandomFloatTensor(dtype, slope_dims, rng, -1.0f, 1.0f))};
  }
  c.tolerance = Tolerance::BitExact();
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (int i = 0; i < count; ++i) cases.push_back(RandomCase(dtype, rng));
  return cases;
}

class PReluConformanceTest : public ConformanceTest {};

TEST_P(PReluConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 20, rng));
}

TEST_P(PReluConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 12, rng));
}

KILN_CONFORMANCE_INSTANTIATE(PReluConformanceTest, kPReluOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
