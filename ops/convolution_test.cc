#include "ops/convolution.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Const;
using testutil::In;
using testutil::Iota;
using testutil::Omitted;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

constexpr const char* kTactics[] = {"cpu_ref.convolution.direct", "cpu_ref.convolution.im2col"};
// Every tactic but the reference.
constexpr const char* kAlternatives[] = {"cpu_ref.convolution.im2col"};

// Runs `tactic` with the weight (and bias) marked constant.
std::vector<float> Conv(const ConvolutionParams& p, Dims x_dims, std::vector<float> x, Dims w_dims,
                        std::vector<float> w, std::vector<float> bias, const std::string& tactic,
                        Dims* out_dims = nullptr) {
  std::vector<OpInput> inputs = {In(std::move(x_dims), std::move(x)),
                                 Const(std::move(w_dims), std::move(w))};
  if (!bias.empty()) inputs.push_back(Const({static_cast<int64_t>(bias.size())}, bias));
  auto out = RunOp(kConvolutionOp, p.ToAttrs(), inputs, tactic);
  EXPECT_TRUE(out.ok()) << tactic << ": " << out.status();
  if (!out.ok()) return {};
  if (out_dims != nullptr) *out_dims = (*out)[0].dims();
  return ToFloats((*out)[0]);
}

TEST(ConvolutionTest, HandCheckedTwoByTwoSumsWithBias) {
  // x = [[1,2,3],[4,5,6],[7,8,9]], 2x2 all-ones kernel: each output is the sum
  // of a 2x2 window (1+2+4+5 = 12, 2+3+5+6 = 16, 4+5+7+8 = 24, 5+6+8+9 = 28),
  // plus the bias 0.5.
  for (const char* tactic : kTactics) {
    SCOPED_TRACE(tactic);
    Dims dims;
    EXPECT_EQ(Conv({}, {1, 1, 3, 3}, Iota(9, 1), {1, 1, 2, 2}, {1, 1, 1, 1}, {0.5f}, tactic, &dims),
              (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
    EXPECT_EQ(dims, (Dims{1, 1, 2, 2}));
  }
}

TEST(ConvolutionTest, HandCheckedStrideDilationAsymmetricPadsAndGroups) {
  for (const char* tactic : kTactics) {
    SCOPED_TRACE(tactic);
    // Stride 2 with a 1x1 kernel picks the corners of x = 1..9.
    ConvolutionParams strided;
    strided.strides = {2, 2};
    EXPECT_EQ(Conv(strided, {1, 1, 3, 3}, Iota(9, 1), {1, 1, 1, 1}, {1}, {}, tactic),
              (std::vector<float>{1, 3, 7, 9}));

    // Dilation 2 spreads a 2x2 all-ones kernel over the corners: 1+3+7+9.
    ConvolutionParams dilated;
    dilated.dilations = {2, 2};
    EXPECT_EQ(Conv(dilated, {1, 1, 3, 3}, Iota(9, 1), {1, 1, 2, 2}, {1, 1, 1, 1}, {}, tactic),
              (std::vector<float>{20}));

    // pads [top=1, left=0, bottom=0, right=2] around x = [[1,2],[3,4]] with
    // a 1x1 kernel of 2: a zero row on top and two zero columns on the right.
    ConvolutionParams padded;
    padded.pads = {1, 0, 0, 2};
    Dims dims;
    EXPECT_EQ(Conv(padded, {1, 1, 2, 2}, Iota(4, 1), {1, 1, 1, 1}, {2}, {}, tactic, &dims),
              (std::vector<float>{0, 0, 0, 0, 2, 4, 0, 0, 6, 8, 0, 0}));
    EXPECT_EQ(dims, (Dims{1, 1, 3, 4}));

    // group=2: output channel 0 sees only input channel 0 (x2), channel 1
    // only input channel 1 (x3); bias [10, 20].
    ConvolutionParams grouped;
    grouped.group = 2;
    EXPECT_EQ(Conv(grouped, {1, 2, 1, 2}, {1, 2, 3, 4}, {2, 1, 1, 1}, {2, 3}, {10, 20}, tactic),
              (std::vector<float>{12, 14, 29, 32}));

    // Two input channels summed: 3x3 kernel, pad 1, weight 1 on the centre
    // tap of channel 0 and -1 on the centre tap of channel 1: y = x0 - x1.
    ConvolutionParams same;
    same.pads = {1, 1, 1, 1};
    std::vector<float> w(18, 0.0f);
    w[4] = 1.0f;
    w[13] = -1.0f;
    EXPECT_EQ(Conv(same, {1, 2, 2, 2}, {5, 6, 7, 8, 1, 1, 2, 2}, {1, 2, 3, 3}, w, {}, tactic),
              (std::vector<float>{4, 5, 5, 6}));
  }
}

TEST(ConvolutionTest, ShapeInferenceThroughNetworkDefinition) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 224, 224});
  ConvolutionParams p;
  p.strides = {2, 2};
  p.pads = {3, 3, 3, 3};
  auto y = AddConvolution(net, "conv1", x, p, Weights(DataType::kFloat32, {64, 3, 7, 7}),
                          Weights(DataType::kFloat32, {64}));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{2, 64, 112, 112}));  // (224 + 6 - 7) / 2 + 1
  ASSERT_TRUE(net.FindTensor("conv1.weight").ok());
  ASSERT_TRUE(net.FindTensor("conv1.bias").ok());
  auto no_bias = AddConvolution(net, "conv2", *y, {}, Weights(DataType::kFloat32, {8, 64, 1, 1}),
                                std::nullopt);
  ASSERT_TRUE(no_bias.ok()) << no_bias.status();
  EXPECT_EQ(net.desc(*no_bias).dims, (Dims{2, 8, 112, 112}));
  EXPECT_FALSE(net.FindTensor("conv2.bias").ok());
}

// Adds a convolution and expects it refused with a message naming the layer
// and containing `expected`.
void ExpectRejected(const std::string& layer, Dims x_dims, DataType x_type, Dims w_dims,
                    std::optional<Dims> bias_dims, const AttrMap& attrs,
                    const std::string& expected) {
  testutil::ExpectLayerRejected(kConvolutionOp, layer, std::move(x_dims), x_type, attrs, expected,
                                {std::move(w_dims), std::move(bias_dims)});
}

TEST(ConvolutionTest, RejectsBadLayers) {
  const AttrMap none = ConvolutionParams{}.ToAttrs();
  const DataType f32 = DataType::kFloat32;
  ConvolutionParams grouped;
  grouped.group = 2;
  ExpectRejected("c_channels", {1, 3, 8, 8}, f32, {16, 16, 3, 3}, std::nullopt, none,
                 "input has 3 channels, weights expect 16 (kernel dims 16x16x3x3");
  ExpectRejected("c_group_in", {1, 3, 8, 8}, f32, {4, 1, 3, 3}, std::nullopt, grouped.ToAttrs(),
                 "input has 3 channels, which group=2 does not divide");
  ExpectRejected("c_group_out", {1, 4, 8, 8}, f32, {3, 2, 3, 3}, std::nullopt, grouped.ToAttrs(),
                 "3 output channels");
  ExpectRejected("c_empty", {1, 1, 2, 8}, f32, {1, 1, 3, 3}, std::nullopt, none,
                 "output height would be empty: padded input size 2 < dilated kernel size 3");
  ConvolutionParams dilated;
  dilated.dilations = {1, 4};
  ExpectRejected("c_empty_w", {1, 1, 8, 8}, f32, {1, 1, 3, 3}, std::nullopt, dilated.ToAttrs(),
                 "output width would be empty: padded input size 8 < dilated kernel size 9");
  ExpectRejected("c_bias", {1, 1, 8, 8}, f32, {4, 1, 3, 3}, Dims{3}, none,
                 "has dims 3; expected 4");
  ExpectRejected("c_rank", {1, 8, 8}, f32, {4, 1, 3, 3}, std::nullopt, none,
                 "expected 4 dims (N, C, H, W)");
  ExpectRejected("c_wrank", {1, 1, 8, 8}, f32, {4, 1, 3}, std::nullopt, none,
                 "expected 4 dims (K, C/group, R, S)");
  ExpectRejected("c_int", {1, 1, 8, 8}, DataType::kInt32, {4, 1, 3, 3}, std::nullopt, none,
                 "is int32; convolution takes fp32 or fp16");
  ExpectRejected("c_zero_k", {1, 1, 8, 8}, f32, {0, 1, 3, 3}, std::nullopt, none,
                 "must all be positive");

  AttrMap bad_strides = none;
  bad_strides.Set("strides", std::vector<int64_t>{1, 1, 1});
  ExpectRejected("c_strides", {1, 1, 8, 8}, f32, {1, 1, 3, 3}, std::nullopt, bad_strides,
                 "'strides' has 3 values");
  AttrMap zero_stride = none;
  zero_stride.Set("strides", std::vector<int64_t>{0, 1});
  ExpectRejected("c_stride0", {1, 1, 8, 8}, f32, {1, 1, 3, 3}, std::nullopt, zero_stride,
                 "every value must be >= 1");
  AttrMap negative_pad = none;
  negative_pad.Set("pads", std::vector<int64_t>{0, -1, 0, 0});
  ExpectRejected("c_pads", {1, 1, 8, 8}, f32, {1, 1, 3, 3}, std::nullopt, negative_pad,
                 "every value must be >= 0");
  AttrMap zero_dilation = none;
  zero_dilation.Set("dilations", std::vector<int64_t>{1, 0});
  ExpectRejected("c_dil", {1, 1, 8, 8}, f32, {1, 1, 3, 3}, std::nullopt, zero_dilation,
                 "'dilations' is [1,0]");
  AttrMap zero_group = none;
  zero_group.Set("group", int64_t{0});
  ExpectRejected("c_group0", {1, 1, 8, 8}, f32, {1, 1, 3, 3}, std::nullopt, zero_group,
                 "'group' is 0");

  // The weight input itself omitted.
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", f32, {1, 1, 4, 4});
  auto y = net.AddLayer1("c_noweight", kConvolutionOp, {x, -1}, none);
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("weight input (input 1) is missing"), std::string::npos)
      << y.status();
}

TEST(ConvolutionTest, Im2ColNeedsConstantWeights) {
  auto out =
      RunOp(kConvolutionOp, ConvolutionParams{}.ToAttrs(),
            {In({1, 1, 2, 2}, Iota(4, 1)), In({1, 1, 1, 1}, {1})}, "cpu_ref.convolution.im2col");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("input 1 is not constant"), std::string::npos)
      << out.status();
  // The reference reads the weights at run time, so it runs either way.
  std::vector<OpInput> inputs;
  inputs.push_back(In({1, 1, 2, 2}, Iota(4, 1)));
  inputs.push_back(In({1, 1, 1, 1}, {3}));
  inputs.push_back(Omitted());  // moved: copying an empty Weights crashes (graph/types.cc)
  auto ref = RunOp(kConvolutionOp, ConvolutionParams{}.ToAttrs(), inputs);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ToFloats((*ref)[0]), (std::vector<float>{3, 6, 9, 12}));
}

TEST(ConvolutionTest, Fp16TensorsAreComputedInFp32AndRounded) {
  // Same 2x2 window sums as above, all tensors fp16 (every value exact in fp16).
  auto half = [](Dims dims, const std::vector<float>& values, bool constant) {
    Weights w(DataType::kFloat16, std::move(dims));
    for (size_t i = 0; i < values.size(); ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
    return OpInput{w, constant};
  };
  for (const char* tactic : kTactics) {
    SCOPED_TRACE(tactic);
    auto out = RunOp(kConvolutionOp, ConvolutionParams{}.ToAttrs(),
                     {half({1, 1, 3, 3}, Iota(9, 1), false), half({1, 1, 2, 2}, {1, 1, 1, 1}, true),
                      half({1}, {0.5f}, true)},
                     tactic);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
  }
}

// Every alternative tactic against the reference on random shapes biased to
// small and odd sizes, with groups, strides, dilations and asymmetric pads.
TEST(ConvolutionTest, RandomShapesMatchReference) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::map<std::string, double> worst_abs, worst_rel;
  for (int trial = 0; trial < 40; ++trial) {
    ConvolutionParams p;
    p.group = pick(1, 3);
    const int64_t channels = p.group * pick(1, 4);
    const int64_t out_channels = p.group * pick(1, 5);
    const int64_t kernel_h = pick(1, 4), kernel_w = pick(1, 4);
    p.strides = {pick(1, 3), pick(1, 3)};
    p.dilations = {pick(1, 2), pick(1, 2)};
    p.pads = {pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2)};
    const bool pointwise = trial % 5 == 0;  // im2col's no-unfold path
    if (pointwise) {
      p.strides = {1, 1};
      p.pads = {0, 0, 0, 0};
    }
    const int64_t kh = pointwise ? 1 : kernel_h, kw = pointwise ? 1 : kernel_w;
    const int64_t height = (kh - 1) * p.dilations[0] + pick(1, 9);
    const int64_t width = (kw - 1) * p.dilations[1] + pick(1, 9);
    const int64_t batch = pick(1, 3);
    const Dims x_dims = {batch, channels, height, width};
    const Dims w_dims = {out_channels, channels / p.group, kh, kw};
    SCOPED_TRACE(testing::Message() << "trial " << trial << " x " << DimsString(x_dims) << " w "
                                    << DimsString(w_dims) << " " << p.ToAttrs().ToString());
    std::vector<OpInput> inputs = {{testutil::RandomFloats(x_dims, rng), false},
                                   {testutil::RandomFloats(w_dims, rng), true}};
    if (pick(0, 1) == 1) inputs.push_back({testutil::RandomFloats({out_channels}, rng), true});
    auto ref = RunOp(kConvolutionOp, p.ToAttrs(), inputs, "cpu_ref.convolution.direct");
    ASSERT_TRUE(ref.ok()) << ref.status();
    const std::vector<float> expected = ToFloats((*ref)[0]);
    for (const char* tactic : kAlternatives) {
      auto out = RunOp(kConvolutionOp, p.ToAttrs(), inputs, tactic);
      ASSERT_TRUE(out.ok()) << tactic << ": " << out.status();
      const std::vector<float> got = ToFloats((*out)[0]);
      ASSERT_EQ(got.size(), expected.size());
      double err2 = 0, ref2 = 0, max_abs = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        const double d = static_cast<double>(got[i]) - expected[i];
        err2 += d * d;
        ref2 += static_cast<double>(expected[i]) * expected[i];
        max_abs = std::max(max_abs, std::fabs(d));
      }
      const double rel_l2 = std::sqrt(err2 / std::max(ref2, 1e-30));
      EXPECT_LE(rel_l2, 1e-5) << tactic << " max abs error " << max_abs;
      worst_abs[tactic] = std::max(worst_abs[tactic], max_abs);
      worst_rel[tactic] = std::max(worst_rel[tactic], rel_l2);
    }
  }
  for (const char* tactic : kAlternatives) {
    std::printf("[kiln] %s vs reference: max abs error %g, max rel L2 %g\n", tactic,
                worst_abs[tactic], worst_rel[tactic]);
  }
}

}  // namespace
}  // namespace kiln
