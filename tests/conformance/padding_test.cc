// Conformance of every Padding tactic against cpu_ref.padding.direct.
//
// Bound: bit-exact, for every dtype and mode. Padding only moves elements and
// writes the fill value.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/padding.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// A fill value `dtype` holds exactly (the op refuses others).
float RandomValue(DataType dtype, std::mt19937& rng) {
  if (dtype == DataType::kBool) return static_cast<float>(UniformInt(rng, 0, 1));
  if (!IsFloatType(dtype)) return static_cast<float>(UniformInt(rng, -5, 5));
  return Chance(rng, 0.5) ? 0.0f : static_cast<float>(UniformInt(rng, -8, 8)) * 0.375f;
}

// Rank 1 to 4 (dim 0, the batch, is never padded); per other dim a begin and
// an end pad that pads, crops (negative) or leaves it, within what each mode
// allows (reflect pads < size; crops keep the dim non-empty).
OpCase RandomCase(DataType dtype, PaddingMode mode, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 3)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  PaddingParams p;
  p.mode = mode;
  if (mode == PaddingMode::kConstant) p.value = RandomValue(dtype, rng);
  p.pads.assign(2 * rank, 0);
  for (int i = 1; i < rank; ++i) {
    for (int64_t* pad : {&p.pads[i], &p.pads[rank + i]}) {
      if (Chance(rng, 0.2)) continue;
      const int64_t max_pad = mode == PaddingMode::kReflect ? dims[i] - 1 : 4;
      *pad = UniformInt(rng, -1, std::max<int64_t>(max_pad, 0));
    }
    // Crops may not empty the dim.
    while (dims[i] + p.pads[i] + p.pads[rank + i] <= 0) {
      (p.pads[i] < 0 ? p.pads[i] : p.pads[rank + i]) += 1;
    }
  }
  if (rank == 1 || Chance(rng, 0.05)) p.pads.clear();  // no padding at all
  OpCase c;
  c.op = kPaddingOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomTensor(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class PaddingConformanceTest : public ConformanceTest {};

TEST_P(PaddingConformanceTest, Fp32RandomShapesEveryMode) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (PaddingMode mode : {PaddingMode::kConstant, PaddingMode::kReflect, PaddingMode::kEdge}) {
    for (int i = 0; i < 6; ++i) cases.push_back(RandomCase(DataType::kFloat32, mode, rng));
  }
  CheckCases(cases);
}

TEST_P(PaddingConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (PaddingMode mode : {PaddingMode::kConstant, PaddingMode::kReflect, PaddingMode::kEdge}) {
      cases.push_back(RandomCase(dtype, mode, rng));
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(PaddingConformanceTest, kPaddingOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
