// Conformance of every DeconvolutionNd tactic against
// cpu_ref.deconvolution_nd.direct.
//
// Bound: fp32 arithmetic (sums accumulated in fp32 in another order than
// cpu_ref's scatter): relative L2 <= 1e-5 (kFp32RelL2); fp16 tensors <= 5e-3
// (kFp16RelL2). Cases have at least kMinElementsPerItem outputs per item.

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/deconvolution_nd.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// 1 to 3 spatial dims, groups, strides, dilations, asymmetric pads, output
// padding, with and without bias (weights and bias are constants).
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  DeconvolutionNdParams p;
  const int k = static_cast<int>(UniformInt(rng, 1, 3));
  p.group = Chance(rng, 0.3) ? 2 : 1;
  const int64_t group_in = SmallDim(rng, 4), group_out = SmallDim(rng, 4);
  Dims x_dims = {SmallDim(rng, 3), p.group * group_in};
  Dims w_dims = {p.group * group_in, group_out};
  p.strides.resize(k);
  p.dilations.resize(k);
  p.pads.assign(2 * k, 0);
  p.output_padding.assign(k, 0);
  for (int d = 0; d < k; ++d) {
    const int64_t kernel = SmallDim(rng, k == 3 ? 3 : 4);
    p.strides[d] = UniformInt(rng, 1, 3);
    p.dilations[d] = Chance(rng, 0.3) ? 2 : 1;
    const int64_t in = SmallDim(rng, k == 3 ? 4 : 7);
    const int64_t full = p.strides[d] * (in - 1) + (kernel - 1) * p.dilations[d] + 1;
    if (Chance(rng, 0.4)) p.pads[d] = UniformInt(rng, 0, std::min<int64_t>(2, full / 2));
    if (Chance(rng, 0.4)) p.pads[k + d] = UniformInt(rng, 0, std::min<int64_t>(2, full / 2));
    if (p.strides[d] > 1 && Chance(rng, 0.3)) {
      p.output_padding[d] = UniformInt(rng, 0, p.strides[d] - 1);
    }
    x_dims.push_back(in);
    w_dims.push_back(kernel);
  }
  OpCase c;
  c.op = kDeconvolutionNdOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, x_dims, rng)),
              Constant(RandomFloatTensor(dtype, w_dims, rng))};
  if (Chance(rng, 0.6)) {
    c.inputs.push_back(Constant(RandomFloatTensor(dtype, {p.group * group_out}, rng)));
  }
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

class DeconvolutionNdConformanceTest : public ConformanceTest {};

TEST_P(DeconvolutionNdConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(DataType::kFloat32, rng); }));
  }
  CheckCases(cases);
}

TEST_P(DeconvolutionNdConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (int i = 0; i < 8; ++i) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(DataType::kFloat16, rng); }));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(DeconvolutionNdConformanceTest, kDeconvolutionNdOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
