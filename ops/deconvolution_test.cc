#include "ops/deconvolution.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
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
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

std::vector<float> Deconv(const DeconvolutionParams& p, Dims x_dims, std::vector<float> x,
                          Dims w_dims, std::vector<float> w, std::vector<float> bias = {},
                          Dims* out_dims = nullptr) {
  std::vector<OpInput> inputs = {In(std::move(x_dims), std::move(x)),
                                 Const(std::move(w_dims), std::move(w))};
  if (!bias.empty()) inputs.push_back(Const({static_cast<int64_t>(bias.size())}, bias));
  auto out = RunOp(kDeconvolutionOp, p.ToAttrs(), inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  if (out_dims != nullptr) *out_dims = (*out)[0].dims();
  return ToFloats((*out)[0]);
}

TEST(DeconvolutionTest, HandCheckedOverlappingScatter) {
  // x = [[1,2],[3,4]] scattered through a 2x2 all-ones kernel at stride 1:
  // out[y][x] sums the inputs whose 2x2 footprint covers (y, x), e.g. the
  // centre gets all four (10), the top edge middle gets 1+2 (3).
  Dims dims;
  EXPECT_EQ(Deconv({}, {1, 1, 2, 2}, {1, 2, 3, 4}, {1, 1, 2, 2}, {1, 1, 1, 1}, {}, &dims),
            (std::vector<float>{1, 3, 2, 4, 10, 6, 3, 7, 4}));
  EXPECT_EQ(dims, (Dims{1, 1, 3, 3}));

  // Same, cropped by pads [top=1, left=1, bottom=0, right=0]: the bottom-right 2x2.
  DeconvolutionParams cropped;
  cropped.pads = {1, 1, 0, 0};
  EXPECT_EQ(Deconv(cropped, {1, 1, 2, 2}, {1, 2, 3, 4}, {1, 1, 2, 2}, {1, 1, 1, 1}),
            (std::vector<float>{10, 6, 7, 4}));
  // ... and by [0, 0, bottom=1, right=2]: the first column of the top two rows.
  cropped.pads = {0, 0, 1, 2};
  EXPECT_EQ(Deconv(cropped, {1, 1, 2, 2}, {1, 2, 3, 4}, {1, 1, 2, 2}, {1, 1, 1, 1}, {}, &dims),
            (std::vector<float>{1, 4}));
  EXPECT_EQ(dims, (Dims{1, 1, 2, 1}));
}

TEST(DeconvolutionTest, HandCheckedStrideOutputPaddingDilationGroups) {
  // Stride 2 with a 2x2 all-ones kernel: each input pixel fills its own 2x2
  // block; output_padding [1,1] adds a last row and column only the bias (0.5)
  // reaches.
  DeconvolutionParams strided;
  strided.strides = {2, 2};
  strided.output_padding = {1, 1};
  Dims dims;
  std::vector<float> got =
      Deconv(strided, {1, 1, 2, 2}, {1, 2, 3, 4}, {1, 1, 2, 2}, {1, 1, 1, 1}, {0.5f}, &dims);
  EXPECT_EQ(dims, (Dims{1, 1, 5, 5}));                              // 2*(2-1) + 1 + 1*(2-1) + 1
  EXPECT_EQ(got, (std::vector<float>{1.5f, 1.5f, 2.5f, 2.5f, 0.5f,  //
                                     1.5f, 1.5f, 2.5f, 2.5f, 0.5f,  //
                                     3.5f, 3.5f, 4.5f, 4.5f, 0.5f,  //
                                     3.5f, 3.5f, 4.5f, 4.5f, 0.5f,  //
                                     0.5f, 0.5f, 0.5f, 0.5f, 0.5f}));

  // Dilation 2 spreads the kernel [[1,2],[3,4]] times x = 2 over the corners of 3x3.
  DeconvolutionParams dilated;
  dilated.dilations = {2, 2};
  EXPECT_EQ(Deconv(dilated, {1, 1, 1, 1}, {2}, {1, 1, 2, 2}, {1, 2, 3, 4}),
            (std::vector<float>{2, 0, 4, 0, 0, 0, 6, 0, 8}));

  // group=2, weight (C=2, K/group=1, 1, 1) = [3, 5]: channel 0 -> 1*3,
  // channel 1 -> 2*5, plus bias [1, 2].
  DeconvolutionParams grouped;
  grouped.group = 2;
  EXPECT_EQ(Deconv(grouped, {1, 2, 1, 1}, {1, 2}, {2, 1, 1, 1}, {3, 5}, {1, 2}),
            (std::vector<float>{4, 12}));
  // group=1: both input channels add into the single output: 1*1 + 2*10.
  EXPECT_EQ(Deconv({}, {1, 2, 1, 1}, {1, 2}, {2, 1, 1, 1}, {1, 10}), (std::vector<float>{21}));
}

TEST(DeconvolutionTest, ShapeInferenceThroughNetworkDefinition) {
  // A typical 2x upsampling layer: kernel 4, stride 2, pads 1 -> 2H.
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {3, 16, 7, 9});
  DeconvolutionParams p;
  p.strides = {2, 2};
  p.pads = {1, 1, 1, 1};
  auto y = AddDeconvolution(net, "up", x, p, Weights(DataType::kFloat32, {16, 4, 4, 4}),
                            Weights(DataType::kFloat32, {4}));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{3, 4, 14, 18}));  // 2*(7-1) + 3 + 1 - 2
  EXPECT_TRUE(net.FindTensor("up.weight").ok());
  EXPECT_TRUE(net.FindTensor("up.bias").ok());
}

void ExpectRejected(const std::string& layer, Dims x_dims, DataType x_type, Dims w_dims,
                    std::optional<Dims> bias_dims, const AttrMap& attrs,
                    const std::string& expected) {
  testutil::ExpectLayerRejected(kDeconvolutionOp, layer, std::move(x_dims), x_type, attrs, expected,
                                {std::move(w_dims), std::move(bias_dims)});
}

TEST(DeconvolutionTest, RejectsBadLayers) {
  const DataType f32 = DataType::kFloat32;
  const AttrMap none = DeconvolutionParams{}.ToAttrs();
  DeconvolutionParams grouped;
  grouped.group = 2;
  ExpectRejected("d_channels", {1, 3, 4, 4}, f32, {8, 2, 3, 3}, std::nullopt, none,
                 "input has 3 channels, weights expect 8 (kernel dims 8x2x3x3");
  ExpectRejected("d_group", {1, 3, 4, 4}, f32, {3, 2, 3, 3}, std::nullopt, grouped.ToAttrs(),
                 "input has 3 channels, which group=2 does not divide");
  ExpectRejected("d_bias", {1, 4, 4, 4}, f32, {4, 3, 3, 3}, Dims{3}, grouped.ToAttrs(),
                 "has dims 3; expected 6");
  DeconvolutionParams over_cropped;
  over_cropped.pads = {2, 0, 2, 0};
  ExpectRejected("d_empty", {1, 1, 1, 4}, f32, {1, 1, 3, 3}, std::nullopt, over_cropped.ToAttrs(),
                 "output height would be -1");
  ExpectRejected("d_rank", {1, 4, 4}, f32, {1, 1, 3, 3}, std::nullopt, none,
                 "expected 4 dims (N, C, H, W)");
  ExpectRejected("d_wrank", {1, 1, 4, 4}, f32, {1, 1, 3}, std::nullopt, none,
                 "expected 4 dims (C, K/group, R, S)");
  ExpectRejected("d_int", {1, 1, 4, 4}, DataType::kInt8, {1, 1, 3, 3}, std::nullopt, none,
                 "is int8; deconvolution takes fp32 or fp16");
  ExpectRejected("d_zero_k", {1, 1, 4, 4}, f32, {1, 0, 3, 3}, std::nullopt, none,
                 "must all be positive");

  DeconvolutionParams big_output_padding;
  big_output_padding.strides = {2, 2};
  big_output_padding.output_padding = {0, 2};
  ExpectRejected("d_outpad", {1, 1, 4, 4}, f32, {1, 1, 3, 3}, std::nullopt,
                 big_output_padding.ToAttrs(), "each value must be < its stride or < its dilation");
  AttrMap bad = none;
  bad.Set("output_padding", std::vector<int64_t>{1});
  ExpectRejected("d_outpad_len", {1, 1, 4, 4}, f32, {1, 1, 3, 3}, std::nullopt, bad,
                 "'output_padding' has 1 values");
  bad = none;
  bad.Set("pads", std::vector<int64_t>{0, 0, -1, 0});
  ExpectRejected("d_pads", {1, 1, 4, 4}, f32, {1, 1, 3, 3}, std::nullopt, bad,
                 "every value must be >= 0");
  bad = none;
  bad.Set("strides", std::vector<int64_t>{1, 0});
  ExpectRejected("d_strides", {1, 1, 4, 4}, f32, {1, 1, 3, 3}, std::nullopt, bad,
                 "'strides' is [1,0]");
  bad = none;
  bad.Set("group", int64_t{-1});
  ExpectRejected("d_group0", {1, 1, 4, 4}, f32, {1, 1, 3, 3}, std::nullopt, bad, "'group' is -1");

  NetworkDefinition net;
  TensorId x = *net.AddInput("x", f32, {1, 1, 4, 4});
  auto y = net.AddLayer1("d_noweight", kDeconvolutionOp, {x, -1}, none);
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("weight input (input 1) is missing"), std::string::npos)
      << y.status();
}

TEST(DeconvolutionTest, Fp16TensorsAreComputedInFp32AndRounded) {
  auto half = [](Dims dims, const std::vector<float>& values) {
    Weights w(DataType::kFloat16, std::move(dims));
    for (size_t i = 0; i < values.size(); ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
    return OpInput{w, true};
  };
  auto out = RunOp(
      kDeconvolutionOp, DeconvolutionParams{}.ToAttrs(),
      {half({1, 1, 2, 2}, {1, 2, 3, 4}), half({1, 1, 2, 2}, {1, 1, 1, 1}), half({1}, {0.25f})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]),
            (std::vector<float>{1.25f, 3.25f, 2.25f, 4.25f, 10.25f, 6.25f, 3.25f, 7.25f, 4.25f}));
}

// The reference scatters; this checks it on random shapes against the gather
// form of the same sum, written independently: for each output pixel, add
// every (input pixel, tap) pair whose scatter lands on it.
TEST(DeconvolutionTest, RandomShapesMatchGatherFormula) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  double worst_rel = 0, worst_abs = 0;
  for (int trial = 0; trial < 30; ++trial) {
    DeconvolutionParams p;
    p.group = pick(1, 3);
    const int64_t channels = p.group * pick(1, 3), per_group = pick(1, 3);
    const int64_t kh = pick(1, 4), kw = pick(1, 4), h = pick(1, 6), w = pick(1, 6);
    const int64_t batch = pick(1, 2);
    p.strides = {pick(1, 3), pick(1, 3)};
    p.dilations = {pick(1, 2), pick(1, 2)};
    p.output_padding = {pick(0, std::max(p.strides[0], p.dilations[0]) - 1),
                        pick(0, std::max(p.strides[1], p.dilations[1]) - 1)};
    // Pads below the kernel size that leave at least one output row/column.
    for (int axis = 0; axis < 2; ++axis) {
      const int64_t kernel = axis == 0 ? kh : kw, in_size = axis == 0 ? h : w;
      const int64_t full = p.strides[axis] * (in_size - 1) + p.output_padding[axis] +
                           p.dilations[axis] * (kernel - 1) + 1;
      p.pads[axis] = pick(0, std::min(kernel - 1, full - 1));
      p.pads[axis + 2] = pick(0, std::min(kernel - 1, full - 1 - p.pads[axis]));
    }
    const Dims x_dims = {batch, channels, h, w}, w_dims = {channels, per_group, kh, kw};
    SCOPED_TRACE(testing::Message() << "trial " << trial << " x " << DimsString(x_dims) << " w "
                                    << DimsString(w_dims) << " " << p.ToAttrs().ToString());
    const Weights x = testutil::RandomFloats(x_dims, rng);
    const Weights filter = testutil::RandomFloats(w_dims, rng);
    const Weights bias = testutil::RandomFloats({per_group * p.group}, rng);
    std::vector<OpInput> inputs = {{x, false}, {filter, true}, {bias, true}};
    auto out = RunOp(kDeconvolutionOp, p.ToAttrs(), inputs);
    ASSERT_TRUE(out.ok()) << out.status();
    const Dims& y_dims = (*out)[0].dims();
    const std::vector<float> got = ToFloats((*out)[0]);

    const int64_t out_channels = y_dims[1], out_h = y_dims[2], out_w = y_dims[3];
    const int64_t in_per_group = channels / p.group;
    double err2 = 0, ref2 = 0;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t k = 0; k < out_channels; ++k) {
        const int64_t g = k / per_group;
        for (int64_t oy = 0; oy < out_h; ++oy) {
          for (int64_t ox = 0; ox < out_w; ++ox) {
            double sum = bias.as<float>()[k];
            for (int64_t c = g * in_per_group; c < (g + 1) * in_per_group; ++c) {
              for (int64_t r = 0; r < kh; ++r) {
                for (int64_t s = 0; s < kw; ++s) {
                  const int64_t ny = oy + p.pads[0] - r * p.dilations[0];
                  const int64_t nx = ox + p.pads[1] - s * p.dilations[1];
                  if (ny % p.strides[0] != 0 || nx % p.strides[1] != 0) continue;
                  const int64_t iy = ny / p.strides[0], ix = nx / p.strides[1];
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                  sum +=
                      static_cast<double>(x.as<float>()[((n * channels + c) * h + iy) * w + ix]) *
                      filter.as<float>()[((c * per_group + k % per_group) * kh + r) * kw + s];
                }
              }
            }
            const float y = got[((n * out_channels + k) * out_h + oy) * out_w + ox];
            err2 += (y - sum) * (y - sum);
            ref2 += sum * sum;
            worst_abs = std::max(worst_abs, std::fabs(y - sum));
          }
        }
      }
    }
    const double rel_l2 = std::sqrt(err2 / std::max(ref2, 1e-30));
    worst_rel = std::max(worst_rel, rel_l2);
    EXPECT_LE(rel_l2, 1e-5);
  }
  std::printf(
      "[kiln] cpu_ref.deconvolution.direct vs gather form: max abs error %g, "
      "max rel L2 %g\n",
      worst_abs, worst_rel);
}

}  // namespace
}  // namespace kiln
