// Conformance of every ReverseSequence tactic against
// cpu_ref.reverse_sequence.direct.
//
// Bound: bit-exact for every dtype (random bytes: NaN payloads must survive).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/reverse_sequence.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Rank 2 to 4, batch on axis 0 or 1 (time on the other). Lengths (int32 or
// int64) in [-1, steps + 1], so both clamps are exercised. With the batch on
// axis 0 the lengths are a network input (they follow the run's batch),
// else a constant.
OpCase RandomCase(DataType dtype, DataType lens_type, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 2, 4));
  Dims dims = {SmallDim(rng, 5)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 8));
  ReverseSequenceParams p;
  p.batch_axis = Chance(rng, 0.5) ? 0 : 1;
  p.time_axis = 1 - p.batch_axis;
  const int64_t steps = dims[p.time_axis];
  Weights lens = RandomTensor(lens_type, {dims[p.batch_axis]}, rng, -1.0,
                              static_cast<double>(steps + 1));
  OpCase c;
  c.op = kReverseSequenceOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng)),
              p.batch_axis == 0 ? Input(std::move(lens)) : Constant(std::move(lens))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class ReverseSequenceConformanceTest : public ConformanceTest {};

TEST_P(ReverseSequenceConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) {
    cases.push_back(
        RandomCase(DataType::kFloat32, i % 2 ? DataType::kInt32 : DataType::kInt64, rng));
  }
  CheckCases(cases);
}

TEST_P(ReverseSequenceConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (DataType lens_type : {DataType::kInt32, DataType::kInt64}) {
      cases.push_back(RandomCase(dtype, lens_type, rng));
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ReverseSequenceConformanceTest, kReverseSequenceOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
