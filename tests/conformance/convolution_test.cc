// Conformance of every Convolution tactic against cpu_ref.convolution.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): tactics may sum the
// C/group * R * S products in any order, which moves each output by a few
// ULPs; fp16 tensors <= 5e-3 (kFp16RelL2).
// TF32 builds (allow_tf32: fp32 tensors, products of inputs rounded to a
// 10-bit mantissa on tensor cores) <= 1e-3 (kTf32RelL2).
//
// Data: inputs and weights uniform in [-0.5, 1.5): mostly positive, so the
// sums do not cancel and the bound measures the tactic's rounding rather than
// the conditioning of the case (every sign still occurs); cases have at least
// kMinElementsPerItem outputs per batch item.

#include <array>
#include <optional>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/convolution.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// One random convolution: odd sizes, strides, dilations, asymmetric pads,
// groups, 1x1 kernels, optional bias, and now and then weights that are a
// network input rather than a constant (only possible when K == N, since
// dim 0 of every network input is the batch).
OpCase RandomCase(DataType dtype, bool constant_weight, std::mt19937& rng) {
  ConvolutionParams p;
  p.group = Chance(rng, 0.3) ? UniformInt(rng, 2, 3) : 1;
  const int64_t in_per_group = SmallDim(rng, 5);
  const int64_t out_per_group = SmallDim(rng, 5);
  const int64_t channels = in_per_group * p.group;
  int64_t k = out_per_group * p.group;
  int64_t n = SmallDim(rng, 3);
  if (!constant_weight) n = k;
  const int64_t kernel_h = Chance(rng, 0.3) ? 1 : SmallDim(rng, 5);
  const int64_t kernel_w = Chance(rng, 0.3) ? 1 : SmallDim(rng, 5);
  p.strides = {UniformInt(rng, 1, 3), UniformInt(rng, 1, 3)};
  p.dilations = {Chance(rng, 0.3) ? 2 : 1, Chance(rng, 0.3) ? 2 : 1};
  for (int64_t& pad : p.pads) pad = Chance(rng, 0.5) ? UniformInt(rng, 0, 2) : 0;
  // Input big enough for one output pixel with these pads.
  const int64_t min_h =
      std::max<int64_t>(1, p.dilations[0] * (kernel_h - 1) + 1 - p.pads[0] - p.pads[2]);
  const int64_t min_w =
      std::max<int64_t>(1, p.dilations[1] * (kernel_w - 1) + 1 - p.pads[1] - p.pads[3]);
  const int64_t h = min_h + SmallDim(rng, 13) - 1;
  const int64_t w = min_w + SmallDim(rng, 13) - 1;

  OpCase c;
  c.op = kConvolutionOp;
  c.attrs = p.ToAttrs();
  c.inputs.push_back(Input(RandomFloatTensor(dtype, {n, channels, h, w}, rng, -0.5f, 1.5f)));
  Weights weight =
      RandomFloatTensor(dtype, {k, in_per_group, kernel_h, kernel_w}, rng, -0.5f, 1.5f);
  c.inputs.push_back(constant_weight ? Constant(std::move(weight)) : Input(std::move(weight)));
  if (Chance(rng, 0.6)) c.inputs.push_back(Constant(RandomFloatTensor(dtype, {k}, rng)));
  // At batch 1 a weight input would keep one filter only.
  c.run_batch_one = constant_weight;
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

// Layer sizes of real networks, where GEMM-based tactics take their blocked
// paths (and fp16 tactics their tensor-core ones, channels a multiple of 8):
// a 3x3 convolution with padding, a pointwise one and a depthwise 3x3
// (MobileNet-style, group == channels).
std::vector<OpCase> NetworkSizedCases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  ConvolutionParams three_by_three;
  three_by_three.pads = {1, 1, 1, 1};
  const Tolerance tolerance =
      Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  ConvolutionParams depthwise = three_by_three;
  depthwise.group = 32;
  struct Shape {
    ConvolutionParams params;
    Dims x, w;
  };
  for (const Shape& s : {Shape{three_by_three, {2, 32, 17, 17}, {33, 32, 3, 3}},
                         Shape{ConvolutionParams{}, {1, 64, 13, 13}, {65, 64, 1, 1}},
                         Shape{depthwise, {2, 32, 15, 15}, {32, 1, 3, 3}}}) {
    OpCase c;
    c.op = kConvolutionOp;
    c.attrs = s.params.ToAttrs();
    c.inputs = {Input(RandomFloatTensor(dtype, s.x, rng, -0.5f, 1.5f)),
                Constant(RandomFloatTensor(dtype, s.w, rng, -0.5f, 1.5f)),
                Constant(RandomFloatTensor(dtype, {s.w[0]}, rng))};
    c.tolerance = tolerance;
    cases.push_back(std::move(c));
  }
  return cases;
}

// The network-sized cases with a fused epilogue (what the fuse-conv-epilogue
// pass makes): each activation type networks use after a convolution, with
// and without a residual input, with and without a bias.
std::vector<OpCase> FusedEpilogueCases(DataType dtype, std::mt19937& rng) {
  const ActivationParams activations[] = {
      {ActivationType::kRelu},    {ActivationType::kClip, 0.0f, 6.0f},
      {ActivationType::kSigmoid}, {ActivationType::kLeakyRelu, 0.1f},
      {ActivationType::kGelu},    {ActivationType::kHardSwish},
      {ActivationType::kGeluTanh}};
  std::vector<OpCase> cases;
  int i = 0;
  for (int repeat = 0; repeat < 2; ++repeat) {
    for (OpCase& c : NetworkSizedCases(dtype, rng)) {
      absl::StatusOr<ConvolutionParams> p = ConvolutionParams::FromAttrs(c.attrs);
      if (!p.ok()) continue;
      const ActivationParams& a = activations[i % 6];
      // Every third case has no activation (a linear bottleneck's sum).
      if (i % 3 != 2) p->activation = a;
      c.attrs = p->ToAttrs();
      const Dims& x = c.inputs[0].value.dims();
      const Dims& w = c.inputs[1].value.dims();
      // Same-size outputs: the 3x3 cases pad by 1, the 1x1 ones none.
      const Dims y = {x[0], w[0], x[2], x[3]};
      if (i % 4 == 1) c.inputs[2] = testutil::Omitted();  // no bias
      if (i % 2 == 0) {
        c.inputs.push_back(Input(RandomFloatTensor(dtype, y, rng, -1.0f, 1.0f)));  // residual
      }
      ++i;
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// Depthwise convolutions (group == C == K) of the sizes MobileNets and
// EfficientNets use, channels a multiple of 8: 3x3 and 5x5 at stride 1 and 2,
// a dilated and an asymmetrically padded one, a 7x1, each with a fused
// epilogue (ReLU6, SiLU-like sigmoid, none) and now and then a residual; and
// a 5x5 over 512 channels, whose filters (51 KiB in fp32) are too large for
// the shared memory a depthwise kernel may stage them in.
std::vector<OpCase> DepthwiseCases(DataType dtype, std::mt19937& rng) {
  struct Shape {
    int64_t kernel_h, kernel_w, stride, dilation;
    std::array<int64_t, 4> pads;
    int64_t channels = 0;  // 0: a random multiple of 8 up to 48
    int64_t size = 0;      // height and width; 0: random, 7 to 19
  };
  const Shape shapes[] = {{3, 3, 1, 1, {1, 1, 1, 1}}, {3, 3, 2, 1, {1, 1, 1, 1}},
                          {5, 5, 1, 1, {2, 2, 2, 2}}, {5, 5, 2, 1, {2, 2, 2, 2}},
                          {3, 3, 1, 2, {2, 2, 2, 2}}, {3, 3, 2, 1, {0, 0, 1, 1}},
                          {7, 1, 1, 1, {3, 0, 3, 0}}, {5, 5, 1, 1, {2, 2, 2, 2}, 512},
                          // cuda's kernel: a narrow last channel tile (320 is
                          // 40 or 80 vectors, tiles of 32), and filters too
                          // large for shared memory (read from global memory).
                          {3, 3, 2, 1, {1, 1, 1, 1}, 320}, {56, 56, 1, 1, {0, 0, 0, 0}, 8, 58}};
  const std::optional<ActivationParams> activations[] = {
      ActivationParams{ActivationType::kClip, 0.0f, 6.0f}, ActivationParams{ActivationType::kSigmoid},
      std::nullopt};
  std::vector<OpCase> cases;
  int i = 0;
  for (const Shape& shape : shapes) {
    ConvolutionParams p;
    const int64_t channels = shape.channels > 0 ? shape.channels : 8 * UniformInt(rng, 1, 6);
    p.group = channels;
    p.strides = {shape.stride, shape.stride};
    p.dilations = {shape.dilation, shape.dilation};
    p.pads = shape.pads;
    p.activation = activations[i % 3];
    const Dims x = {UniformInt(rng, 1, 3), channels,
                    shape.size > 0 ? shape.size : UniformInt(rng, 7, 19),
                    shape.size > 0 ? shape.size : UniformInt(rng, 7, 19)};
    OpCase c;
    c.op = kConvolutionOp;
    c.attrs = p.ToAttrs();
    c.inputs = {Input(RandomFloatTensor(dtype, x, rng, -0.5f, 1.5f)),
                Constant(RandomFloatTensor(dtype, {channels, 1, shape.kernel_h, shape.kernel_w},
                                           rng, -0.5f, 1.5f)),
                i % 4 == 3 ? testutil::Omitted() : Constant(RandomFloatTensor(dtype, {channels}, rng))};
    if (i % 2 == 1) {
      auto out = [&](int64_t size, int axis, int64_t kernel) {
        return (size + shape.pads[axis] + shape.pads[axis + 2] - shape.dilation * (kernel - 1) - 1) /
                   shape.stride + 1;
      };
      const Dims y = {x[0], channels, out(x[2], 0, shape.kernel_h), out(x[3], 1, shape.kernel_w)};
      c.inputs.push_back(Input(RandomFloatTensor(dtype, y, rng, -1.0f, 1.0f)));  // residual
    }
    c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
    cases.push_back(std::move(c));
    ++i;
  }
  return cases;
}

// Convolutions of few-channel inputs (1 to 4: an RGB stem) into a multiple
// of 8 filters, the shapes cuda's small-channel kernel takes: MobileNet's 3x3
// stride 2 and ResNet's 7x7 stride 2 stems, a dilated 5x5, an asymmetrically
// padded 3x3, a 1x1 and 24 filters (passes of 8), each with a fused
// epilogue, now and then a residual or no bias, at random batch and size.
std::vector<OpCase> SmallChannelCases(DataType dtype, std::mt19937& rng) {
  struct Shape {
    int64_t channels, filters, kernel, stride, dilation;
    std::array<int64_t, 4> pads;
  };
  const Shape shapes[] = {{3, 32, 3, 2, 1, {1, 1, 1, 1}}, {3, 64, 7, 2, 1, {3, 3, 3, 3}},
                          {1, 16, 5, 1, 2, {4, 4, 4, 4}}, {4, 32, 3, 1, 1, {0, 0, 1, 1}},
                          {2, 8, 1, 1, 1, {0, 0, 0, 0}},  {3, 24, 3, 3, 1, {1, 2, 0, 1}}};
  const std::optional<ActivationParams> activations[] = {
      ActivationParams{ActivationType::kClip, 0.0f, 6.0f}, ActivationParams{ActivationType::kRelu},
      std::nullopt, ActivationParams{ActivationType::kHardSwish}};
  std::vector<OpCase> cases;
  int i = 0;
  for (const Shape& shape : shapes) {
    ConvolutionParams p;
    p.strides = {shape.stride, shape.stride};
    p.dilations = {shape.dilation, shape.dilation};
    p.pads = shape.pads;
    p.activation = activations[i % 4];
    const int64_t size = UniformInt(rng, 9, 41);
    const Dims x = {UniformInt(rng, 1, 3), shape.channels, size, size + UniformInt(rng, 0, 3)};
    OpCase c;
    c.op = kConvolutionOp;
    c.attrs = p.ToAttrs();
    c.inputs = {
        Input(RandomFloatTensor(dtype, x, rng, -0.5f, 1.5f)),
        Constant(RandomFloatTensor(
            dtype, {shape.filters, shape.channels, shape.kernel, shape.kernel}, rng, -0.5f, 1.5f)),
        i % 3 == 2 ? testutil::Omitted()
                   : Constant(RandomFloatTensor(dtype, {shape.filters}, rng))};
    if (i % 2 == 1) {
      auto out = [&](int64_t in, int axis) {
        const int64_t span = shape.dilation * (shape.kernel - 1) + 1;
        return (in + shape.pads[axis] + shape.pads[axis + 2] - span) / shape.stride + 1;
      };
      const Dims y = {x[0], shape.filters, out(x[2], 0), out(x[3], 1)};
      c.inputs.push_back(Input(RandomFloatTensor(dtype, y, rng, -1.0f, 1.0f)));  // residual
    }
    c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
    cases.push_back(std::move(c));
    ++i;
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

class ConvolutionConformanceTest : public ConformanceTest {};

TEST_P(ConvolutionConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 18, rng));
}

TEST_P(ConvolutionConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

TEST_P(ConvolutionConformanceTest, Fp32FusedEpilogue) {
  std::mt19937 rng = Rng(4);
  CheckCases(FusedEpilogueCases(DataType::kFloat32, rng));
}

TEST_P(ConvolutionConformanceTest, Fp16FusedEpilogue) {
  std::mt19937 rng = Rng(5);
  CheckCases(FusedEpilogueCases(DataType::kFloat16, rng));
}

TEST_P(ConvolutionConformanceTest, DepthwiseShapes) {
  std::mt19937 rng = Rng(6);
  std::vector<OpCase> cases = DepthwiseCases(DataType::kFloat32, rng);
  for (OpCase& c : DepthwiseCases(DataType::kFloat16, rng)) cases.push_back(std::move(c));
  CheckCases(cases);
}

TEST_P(ConvolutionConformanceTest, SmallChannelShapes) {
  std::mt19937 rng = Rng(7);
  std::vector<OpCase> cases = SmallChannelCases(DataType::kFloat32, rng);
  for (OpCase& c : SmallChannelCases(DataType::kFloat16, rng)) cases.push_back(std::move(c));
  CheckCases(cases);
}

// fp32 cases built with allow_tf32: tactics that keep the choice in their
// state run TF32; the others (cpu_ref, fp16 tactics) are held to the same
// bound.
TEST_P(ConvolutionConformanceTest, Tf32RandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases = Cases(DataType::kFloat32, 10, rng);
  for (OpCase& c : cases) {
    c.allow_tf32 = true;
    c.tolerance = Tolerance::RelL2(kTf32RelL2);
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ConvolutionConformanceTest, kConvolutionOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
