// Conformance of every ConvInteger tactic against cpu_ref.conv_integer.direct.
//
// Bound: bit-exact (int32 arithmetic; sums wrap modulo 2^32, which the
// "wide values" cases exercise).

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/conv_integer.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Groups, strides, dilations, asymmetric pads; values as small quantized
// ones (-128..255 minus a zero point) or spanning int32 (wrapping sums).
OpCase RandomCase(bool wide, std::mt19937& rng) {
  ConvIntegerParams p;
  p.group = Chance(rng, 0.3) ? UniformInt(rng, 2, 3) : 1;
  const int64_t group_channels = SmallDim(rng, 5);
  const int64_t out_channels = p.group * SmallDim(rng, 4);
  int64_t kernel[2], size[2];
  for (int axis = 0; axis < 2; ++axis) {
    kernel[axis] = SmallDim(rng, 5);
    p.strides[axis] = UniformInt(rng, 1, 3);
    p.dilations[axis] = Chance(rng, 0.3) ? 2 : 1;
    p.pads[axis] = Chance(rng, 0.4) ? UniformInt(rng, 0, 2) : 0;
    p.pads[axis + 2] = Chance(rng, 0.4) ? UniformInt(rng, 0, 2) : 0;
    const int64_t effective = (kernel[axis] - 1) * p.dilations[axis] + 1;
    size[axis] = std::max<int64_t>(1, effective - p.pads[axis] - p.pads[axis + 2]) +
                 SmallDim(rng, 9) - 1;
  }
  const double lo = wide ? -2147483648.0 : -255.0, hi = wide ? 2147483647.0 : 255.0;
  OpCase c;
  c.op = kConvIntegerOp;
  c.attrs = p.ToAttrs();
  c.inputs = {
      Input(RandomTensor(DataType::kInt32,
                         {SmallDim(rng, 3), p.group * group_channels, size[0], size[1]}, rng, lo,
                         hi)),
      Constant(RandomTensor(DataType::kInt32, {out_channels, group_channels, kernel[0], kernel[1]},
                            rng, lo, hi))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class ConvIntegerConformanceTest : public ConformanceTest {};

TEST_P(ConvIntegerConformanceTest, RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(false, rng));
  CheckCases(cases);
}

TEST_P(ConvIntegerConformanceTest, WideValuesWrap) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (int i = 0; i < 6; ++i) cases.push_back(RandomCase(true, rng));
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ConvIntegerConformanceTest, kConvIntegerOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
