// Conformance of every TopK tactic against cpu_ref.top_k.direct.
//
// Bound: bit-exact for values and int64 indices (a selection). Values are
// small integers, so ties are common (the lower index comes first), and
// float inputs hold NaNs (above every number).

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/top_k.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Integers in [-3, 3] of `dtype`; for fp32/fp16 one element in ten is NaN.
Weights TiedValues(DataType dtype, const Dims& dims, std::mt19937& rng) {
  Weights w(dtype, dims);
  for (int64_t i = 0; i < Volume(dims); ++i) {
    const int64_t v = UniformInt(rng, -3, 3);
    const float f =
        Chance(rng, 0.1) ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(v);
    switch (dtype) {
      case DataType::kFloat32: w.mutable_as<float>()[i] = f; break;
      case DataType::kFloat16: w.mutable_as<uint16_t>()[i] = FloatToHalf(f); break;
      case DataType::kInt8: w.mutable_as<int8_t>()[i] = static_cast<int8_t>(v); break;
      case DataType::kInt32: w.mutable_as<int32_t>()[i] = static_cast<int32_t>(v); break;
      case DataType::kInt64: w.mutable_as<int64_t>()[i] = v; break;
      case DataType::kBool: w.mutable_as<uint8_t>()[i] = v > 0; break;
    }
  }
  return w;
}

// Rank 1 to 4, any axis (positive or negative, the batch included), k from
// 1 to the axis size, largest or smallest, sorted either way (same order).
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 17));
  TopKParams p;
  const int64_t axis = UniformInt(rng, 0, rank - 1);
  p.axis = Chance(rng, 0.3) ? axis - rank : axis;
  p.k = UniformInt(rng, 1, dims[axis]);
  p.largest = Chance(rng, 0.6);
  p.sorted = Chance(rng, 0.8);
  OpCase c;
  c.op = kTopKOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(TiedValues(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  // k may exceed the batch dim at batch 1.
  c.run_batch_one = axis != 0;
  return c;
}

class TopKConformanceTest : public ConformanceTest {};

TEST_P(TopKConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 20; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(TopKConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (int i = 0; i < 10; ++i) cases.push_back(RandomCase(DataType::kFloat16, rng));
  CheckCases(cases);
}

TEST_P(TopKConformanceTest, IntegerRandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (DataType dtype : {DataType::kInt8, DataType::kInt32, DataType::kInt64}) {
    for (int i = 0; i < 4; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(TopKConformanceTest, kTopKOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
