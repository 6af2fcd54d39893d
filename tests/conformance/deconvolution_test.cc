// Conformance of every Deconvolution tactic against
// cpu_ref.deconvolution.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): tactics may gather or
// scatter the kernel-weighted inputs in any order; fp16 tensors <= 5e-3
// (kFp16RelL2).
// TF32 builds (allow_tf32: fp32 tensors, products of inputs rounded to a
// 10-bit mantissa on tensor cores) <= 1e-3 (kTf32RelL2).
//
// Data: inputs and weights uniform in [-0.5, 1.5): mostly positive, so the
// sums do not cancel and the bound measures the tactic's rounding rather than
// the conditioning of the case (every sign still occurs); cases have at least
// kMinElementsPerItem outputs per batch item.

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/deconvolution.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// One random transposed convolution: strides (where outputs interleave),
// dilations, output_padding, pads that crop, groups, optional bias, and now
// and then weights that are a network input (possible when C == N).
OpCase RandomCase(DataType dtype, bool constant_weight, std::mt19937& rng) {
  DeconvolutionParams p;
  p.group = Chance(rng, 0.3) ? UniformInt(rng, 2, 3) : 1;
  const int64_t in_per_group = SmallDim(rng, 5);
  const int64_t out_per_group = SmallDim(rng, 5);
  const int64_t channels = in_per_group * p.group;
  const int64_t k = out_per_group * p.group;
  int64_t n = SmallDim(rng, 3);
  if (!constant_weight) n = channels;
  const int64_t h = SmallDim(rng, 8), w = SmallDim(rng, 8);
  const int64_t kernel[2] = {SmallDim(rng, 5), SmallDim(rng, 5)};
  const int64_t in_size[2] = {h, w};
  for (int axis = 0; axis < 2; ++axis) {
    p.strides[axis] = UniformInt(rng, 1, 3);
    p.dilations[axis] = Chance(rng, 0.3) ? 2 : 1;
    const int64_t pad_bound = std::max(p.strides[axis], p.dilations[axis]);
    p.output_padding[axis] = Chance(rng, 0.3) ? UniformInt(rng, 0, pad_bound - 1) : 0;
    // Crop with the pads, keeping at least one output row/column.
    const int64_t full = p.strides[axis] * (in_size[axis] - 1) + p.output_padding[axis] +
                         p.dilations[axis] * (kernel[axis] - 1) + 1;
    int64_t& begin = p.pads[axis];
    int64_t& end = p.pads[axis + 2];
    begin = Chance(rng, 0.5) ? UniformInt(rng, 0, 2) : 0;
    end = Chance(rng, 0.5) ? UniformInt(rng, 0, 2) : 0;
    while (begin + end >= full) (begin > 0 ? begin : end) -= 1;
  }

  OpCase c;
  c.op = kDeconvolutionOp;
  c.attrs = p.ToAttrs();
  c.inputs.push_back(Input(RandomFloatTensor(dtype, {n, channels, h, w}, rng, -0.5f, 1.5f)));
  Weights weight = RandomFloatTensor(dtype, {channels, out_per_group, kernel[0], kernel[1]}, rng,
                                     -0.5f, 1.5f);
  c.inputs.push_back(constant_weight ? Constant(std::move(weight)) : Input(std::move(weight)));
  if (Chance(rng, 0.6)) c.inputs.push_back(Constant(RandomFloatTensor(dtype, {k}, rng)));
  // At batch 1 a weight input would keep one input channel only.
  c.run_batch_one = constant_weight;
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

// Layer sizes of real networks (channels a multiple of 8, where fp16 tactics
// take their tensor-core paths): a 2x upsampling (kernel 4, stride 2, pad 1,
// as in DCGAN / FCN decoders) and a 3x3 stride-1 one.
std::vector<OpCase> NetworkSizedCases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  DeconvolutionParams upsample;
  upsample.strides = {2, 2};
  upsample.pads = {1, 1, 1, 1};
  DeconvolutionParams three_by_three;
  three_by_three.pads = {1, 1, 1, 1};
  struct Shape {
    DeconvolutionParams params;
    Dims x, w;
  };
  for (const Shape& s : {Shape{upsample, {2, 32, 9, 9}, {32, 16, 4, 4}},
                         Shape{three_by_three, {1, 64, 11, 11}, {64, 24, 3, 3}}}) {
    OpCase c;
    c.op = kDeconvolutionOp;
    c.attrs = s.params.ToAttrs();
    c.inputs = {Input(RandomFloatTensor(dtype, s.x, rng, -0.5f, 1.5f)),
                Constant(RandomFloatTensor(dtype, s.w, rng, -0.5f, 1.5f)),
                Constant(RandomFloatTensor(dtype, {s.w[1]}, rng))};
    c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases = NetworkSizedCases(dtype, rng);
  // Every fifth case has weights that are a network input.
  for (int i = 0; i < count; ++i) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(dtype, i % 5 != 4, rng); }));
  }
  return cases;
}

class DeconvolutionConformanceTest : public ConformanceTest {};

TEST_P(DeconvolutionConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 20, rng));
}

TEST_P(DeconvolutionConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

// fp32 cases built with allow_tf32: tactics that keep the choice in their
// state run TF32; the others (cpu_ref, fp16 tactics) are held to the same
// bound.
TEST_P(DeconvolutionConformanceTest, Tf32RandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases = Cases(DataType::kFloat32, 8, rng);
  for (OpCase& c : cases) {
    c.allow_tf32 = true;
    c.tolerance = Tolerance::RelL2(kTf32RelL2);
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(DeconvolutionConformanceTest, kDeconvolutionOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
