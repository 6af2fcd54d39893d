// Conformance of every SoftMax tactic against cpu_ref.softmax.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2) for softmax and log-softmax:
// tactics may sum the exponentials in another order or use exp/log
// variants a few ULPs apart; fp16 tensors <= 5e-3 (kFp16RelL2). Cases have at
// least kMinElementsPerItem outputs per batch item.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/softmax.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Rank 1 to 4, every axis (positive or negative, the batch included), log or
// not. One case in four has inputs up to +-60, where exp overflows fp32
// unless the tactic subtracts the maximum first.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 17));
  SoftMaxParams p;
  p.axis = UniformInt(rng, -rank, rank - 1);
  p.log = Chance(rng, 0.4);
  const float range = Chance(rng, 0.25) ? 60.0f : 4.0f;
  OpCase c;
  c.op = kSoftMaxOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng, -range, range))};
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

class SoftMaxConformanceTest : public ConformanceTest {};

TEST_P(SoftMaxConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 20, rng));
}

TEST_P(SoftMaxConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

KILN_CONFORMANCE_INSTANTIATE(SoftMaxConformanceTest, kSoftMaxOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
