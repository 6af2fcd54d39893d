// Conformance of every Concatenation tactic against
// cpu_ref.concatenation.direct.
//
// Bound: bit-exact for every dtype (random bytes: NaN payloads must survive).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/concatenation.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// 1 to 5 inputs of rank 1 to 4 joined along any axis (positive or negative;
// the batch too), with sizes along it that differ (1 included). Input 0 is a
// network input; the others are network inputs or constants at random (a
// constant joined along the batch may have another dim 0).
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 8));
  const int64_t axis = UniformInt(rng, 0, rank - 1);
  const int count = static_cast<int>(UniformInt(rng, 1, 5));
  OpCase c;
  c.op = kConcatenationOp;
  c.attrs = ConcatenationParams{Chance(rng, 0.3) ? axis - rank : axis}.ToAttrs();
  for (int i = 0; i < count; ++i) {
    Dims in_dims = dims;
    in_dims[axis] = SmallDim(rng, 8);
    const bool constant = i > 0 && Chance(rng, 0.3);
    if (!constant) in_dims[0] = dims[0];  // network inputs share the batch
    Weights w = RandomBits(dtype, in_dims, rng);
    c.inputs.push_back(constant ? Constant(std::move(w)) : Input(std::move(w)));
  }
  c.tolerance = Tolerance::BitExact();
  return c;
}

class ConcatenationConformanceTest : public ConformanceTest {};

TEST_P(ConcatenationConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(ConcatenationConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 3; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ConcatenationConformanceTest, kConcatenationOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
