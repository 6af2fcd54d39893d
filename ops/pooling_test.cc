#include "ops/pooling.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::Iota;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

std::vector<float> Pool(const PoolingParams& p, Dims x_dims, std::vector<float> x,
                        Dims* out_dims = nullptr) {
  auto out = RunOp(kPoolingOp, p.ToAttrs(), {In(std::move(x_dims), std::move(x))});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  if (out_dims != nullptr) *out_dims = (*out)[0].dims();
  return ToFloats((*out)[0]);
}

PoolingParams Params(PoolingType type, std::array<int64_t, 2> kernel,
                     std::array<int64_t, 2> strides, std::array<int64_t, 4> pads = {0, 0, 0, 0}) {
  PoolingParams p;
  p.type = type;
  p.kernel = kernel;
  p.strides = strides;
  p.pads = pads;
  return p;
}

TEST(PoolingTest, HandCheckedMaxAndPlanes) {
  // 4x4 = 1..16, 2x2 windows at stride 2: each window's bottom-right wins.
  Dims dims;
  EXPECT_EQ(Pool(Params(PoolingType::kMax, {2, 2}, {2, 2}), {1, 1, 4, 4}, Iota(16, 1), &dims),
            (std::vector<float>{6, 8, 14, 16}));
  EXPECT_EQ(dims, (Dims{1, 1, 2, 2}));
  // Two images of three channels, one 2x2 window each: plane p holds
  // 4p+1..4p+4, so its max is 4p+4 (checks the plane indexing).
  EXPECT_EQ(Pool(Params(PoolingType::kMax, {2, 2}, {1, 1}), {2, 3, 2, 2}, Iota(24, 1)),
            (std::vector<float>{4, 8, 12, 16, 20, 24}));
  // Padding never wins a max, even when every input is negative.
  EXPECT_EQ(Pool(Params(PoolingType::kMax, {2, 2}, {1, 1}, {1, 1, 0, 1}), {1, 1, 1, 2}, {-3, -5}),
            (std::vector<float>{-3, -3, -5}));
}

TEST(PoolingTest, HandCheckedAverageWithAndWithoutPadding) {
  // 3x3 windows, stride 1, pad 1 over x = 1..9 (3x3). Excluding padding,
  // the top-left window holds 1,2,4,5 -> 12/4; the top-middle 1..6 -> 21/6;
  // the centre all nine -> 45/9; and so on.
  PoolingParams p = Params(PoolingType::kAverage, {3, 3}, {1, 1}, {1, 1, 1, 1});
  EXPECT_EQ(Pool(p, {1, 1, 3, 3}, Iota(9, 1)),
            (std::vector<float>{3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}));
  // Including padding, every window divides by 9.
  p.count_include_pad = true;
  const std::vector<float> got = Pool(p, {1, 1, 3, 3}, Iota(9, 1));
  const float sums[] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
  ASSERT_EQ(got.size(), 9u);
  for (int i = 0; i < 9; ++i) EXPECT_FLOAT_EQ(got[i], sums[i] / 9.0f) << i;
}

TEST(PoolingTest, HandCheckedCeilMode) {
  // W=4, kernel 3, stride 2: floor mode gives 1 window, ceil mode 2; the
  // second covers columns 2..4, clipped to 2..3 (values 3, 4).
  PoolingParams p = Params(PoolingType::kAverage, {1, 3}, {1, 2});
  Dims dims;
  EXPECT_EQ(Pool(p, {1, 1, 1, 4}, {1, 2, 3, 4}, &dims), (std::vector<float>{2}));
  p.ceil_mode = true;
  EXPECT_EQ(Pool(p, {1, 1, 1, 4}, {1, 2, 3, 4}, &dims), (std::vector<float>{2, 3.5f}));
  EXPECT_EQ(dims, (Dims{1, 1, 1, 2}));
  // count_include_pad counts padding, but not the part of a ceil-mode window
  // past the end padding (there is none here): still 7/2.
  p.count_include_pad = true;
  EXPECT_EQ(Pool(p, {1, 1, 1, 4}, {1, 2, 3, 4}), (std::vector<float>{2, 3.5f}));
  p.type = PoolingType::kMax;
  EXPECT_EQ(Pool(p, {1, 1, 1, 4}, {1, 2, 3, 4}), (std::vector<float>{3, 4}));

  // W=5, kernel 2, stride 2, pads 1/1: ceil((5+2-2)/2)+1 = 4 windows, but the
  // 4th would start at column 5, past the input, so it is dropped: 3 windows
  // [-1,0], [1,2], [3,4].
  PoolingParams q = Params(PoolingType::kMax, {1, 2}, {1, 2}, {0, 1, 0, 1});
  q.ceil_mode = true;
  EXPECT_EQ(Pool(q, {1, 1, 1, 5}, {1, 2, 3, 4, 5}, &dims), (std::vector<float>{1, 3, 5}));
  EXPECT_EQ(dims, (Dims{1, 1, 1, 3}));
  q.type = PoolingType::kAverage;
  q.count_include_pad = true;  // the first window is half padding: 1/2
  EXPECT_EQ(Pool(q, {1, 1, 1, 5}, {1, 2, 3, 4, 5}), (std::vector<float>{0.5f, 2.5f, 4.5f}));
  q.count_include_pad = false;
  EXPECT_EQ(Pool(q, {1, 1, 1, 5}, {1, 2, 3, 4, 5}), (std::vector<float>{1, 2.5f, 4.5f}));
}

TEST(PoolingTest, MaxPropagatesNan) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> got =
      Pool(Params(PoolingType::kMax, {1, 2}, {1, 2}), {1, 1, 1, 4}, {nan, 1, 2, 3});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(std::isnan(got[0]));
  EXPECT_EQ(got[1], 3);
}

TEST(PoolingTest, Fp16TensorsAreComputedInFp32AndRounded) {
  Weights x(DataType::kFloat16, {1, 1, 2, 2});
  const float values[] = {1.0f, 2.0f, 3.0f, 4.5f};
  for (int i = 0; i < 4; ++i) x.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
  for (PoolingType type : {PoolingType::kMax, PoolingType::kAverage}) {
    auto out = RunOp(kPoolingOp, Params(type, {2, 2}, {1, 1}).ToAttrs(), {OpInput{x, false}});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
    // max 4.5; mean 10.5/4 = 2.625 (exact in fp16).
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{type == PoolingType::kMax ? 4.5f : 2.625f}));
  }
}

TEST(PoolingTest, HandCheckedDilations) {
  // test_maxpool_2d_dilations: 4x4 = 1..16, kernel 2x2 dilated by 2 (taps
  // two apart, spanning 3x3), stride 1 -> 2x2. The window at (0,0) reads
  // 1, 3, 9, 11; at (0,1) 2, 4, 10, 12; at (1,0) 5, 7, 13, 15; at (1,1)
  // 6, 8, 14, 16.
  PoolingParams p = Params(PoolingType::kMax, {2, 2}, {1, 1});
  p.dilations = {2, 2};
  Dims dims;
  EXPECT_EQ(Pool(p, {1, 1, 4, 4}, Iota(16, 1), &dims), (std::vector<float>{11, 12, 15, 16}));
  EXPECT_EQ(dims, (Dims{1, 1, 2, 2}));
  // Averages of the same taps: 24/4, 28/4, 40/4, 44/4.
  p.type = PoolingType::kAverage;
  EXPECT_EQ(Pool(p, {1, 1, 4, 4}, Iota(16, 1)), (std::vector<float>{6, 7, 10, 11}));
  // Padding 1 on the left of a 1x3 row [1, 2, 3], kernel 1x2 dilated by 2:
  // windows start at -1, 0, 1 and read {pad, 2}, {1, 3}, {2, pad} ->
  // max 2, 3, 2; average without the pad 2, 2, 2; with it 1, 2, 1.
  p = Params(PoolingType::kMax, {1, 2}, {1, 1}, {0, 1, 0, 1});
  p.dilations = {1, 2};
  EXPECT_EQ(Pool(p, {1, 1, 1, 3}, {1, 2, 3}), (std::vector<float>{2, 3, 2}));
  p.type = PoolingType::kAverage;
  EXPECT_EQ(Pool(p, {1, 1, 1, 3}, {1, 2, 3}), (std::vector<float>{2, 2, 2}));
  p.count_include_pad = true;
  EXPECT_EQ(Pool(p, {1, 1, 1, 3}, {1, 2, 3}), (std::vector<float>{1, 2, 1}));
}

TEST(PoolingTest, IntegerMaxPooling) {
  // int32 (ONNX uint8 as imported): 2x2 windows at stride 2 over 4x4 = 1..16
  // -> each window's bottom-right, as in HandCheckedMaxAndPlanes.
  std::vector<int32_t> x(16);
  for (int i = 0; i < 16; ++i) x[i] = i + 1;
  auto out = RunOp(kPoolingOp, Params(PoolingType::kMax, {2, 2}, {2, 2}).ToAttrs(),
                   {testutil::Typed<int32_t>(DataType::kInt32, {1, 1, 4, 4}, x)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kInt32);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{6, 8, 14, 16}));
  // int8, all negative, padded: padding never wins; -128 survives.
  out = RunOp(kPoolingOp, Params(PoolingType::kMax, {2, 2}, {1, 1}, {1, 1, 0, 0}).ToAttrs(),
              {testutil::Typed<int8_t>(DataType::kInt8, {1, 1, 1, 2}, {-128, -7})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kInt8);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-128, -7}));
}

TEST(PoolingTest, ShapeInferenceThroughNetworkDefinition) {
  // ResNet's stem pool: 3x3, stride 2, pad 1 on 112x112 -> 56x56.
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {4, 64, 112, 112});
  auto y = AddPooling(net, "pool1", x, Params(PoolingType::kMax, {3, 3}, {2, 2}, {1, 1, 1, 1}));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{4, 64, 56, 56}));
}

void ExpectRejected(const std::string& layer, Dims x_dims, DataType x_type, const AttrMap& attrs,
                    const std::string& expected) {
  testutil::ExpectLayerRejected(kPoolingOp, layer, std::move(x_dims), x_type, attrs, expected);
}

// True when a 1x1x4x4 fp32 pooling layer with `attrs` is accepted.
bool net_accepts(const AttrMap& attrs) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 1, 4, 4});
  return net.AddLayer1("p", kPoolingOp, {x}, attrs).ok();
}

TEST(PoolingTest, RejectsBadLayers) {
  const DataType f32 = DataType::kFloat32;
  const AttrMap good = Params(PoolingType::kMax, {2, 2}, {2, 2}).ToAttrs();
  // Integers only for max pooling (see IntegerMaxPooling).
  ExpectRejected("p_int", {1, 1, 4, 4}, DataType::kInt32,
                 Params(PoolingType::kAverage, {2, 2}, {2, 2}).ToAttrs(),
                 "is int32; pooling takes");
  ExpectRejected("p_booltype", {1, 1, 4, 4}, DataType::kBool, good, "is bool; pooling takes");
  ExpectRejected("p_rank", {1, 4, 4}, f32, good, "expected 4 dims (N, C, H, W)");
  ExpectRejected("p_empty", {1, 1, 4, 1}, f32, good,
                 "output width would be empty: padded input size 1 < kernel size 2");

  AttrMap attrs = good;
  attrs.Set("type", "median");
  ExpectRejected("p_type", {1, 1, 4, 4}, f32, attrs, "unknown pooling type 'median'");
  AttrMap no_kernel;
  no_kernel.Set("type", "max");
  ExpectRejected("p_nokernel", {1, 1, 4, 4}, f32, no_kernel, "attribute 'kernel' is missing");
  attrs = good;
  attrs.Set("kernel", std::vector<int64_t>{2, 2, 2});
  ExpectRejected("p_kernel", {1, 1, 4, 4}, f32, attrs, "'kernel' has 3 values");
  attrs = good;
  attrs.Set("kernel", std::vector<int64_t>{0, 2});
  ExpectRejected("p_kernel0", {1, 1, 4, 4}, f32, attrs, "every value must be >= 1");
  attrs = good;
  attrs.Set("strides", std::vector<int64_t>{2, 0});
  ExpectRejected("p_strides", {1, 1, 4, 4}, f32, attrs, "'strides' is [2,0]");
  attrs = good;
  attrs.Set("pads", std::vector<int64_t>{0, 0, 2, 0});
  ExpectRejected("p_bigpad", {1, 1, 4, 4}, f32, attrs,
                 "each pad must be smaller than the kernel [2,2]");
  attrs = good;
  attrs.Set("pads", std::vector<int64_t>{-1, 0, 0, 0});
  ExpectRejected("p_negpad", {1, 1, 4, 4}, f32, attrs, "every value must be >= 0");
  attrs = good;
  attrs.Set("count_include_pad", int64_t{2});
  ExpectRejected("p_bool", {1, 1, 4, 4}, f32, attrs, "'count_include_pad' is 2; expected 0 or 1");
  attrs = good;
  attrs.Set("dilations", std::vector<int64_t>{1, 0});
  ExpectRejected("p_dil0", {1, 1, 4, 4}, f32, attrs, "every value must be >= 1");
  // Kernel 2 dilated by 2 spans 3 rows: a pad of 2 is fine, 3 is not.
  attrs = good;
  attrs.Set("dilations", std::vector<int64_t>{2, 2});
  attrs.Set("pads", std::vector<int64_t>{2, 0, 0, 0});
  EXPECT_TRUE(net_accepts(attrs));
  attrs.Set("pads", std::vector<int64_t>{3, 0, 0, 0});
  ExpectRejected("p_dilpad", {1, 1, 4, 4}, f32, attrs, "(dilated extent 3)");
  attrs = good;
  attrs.Set("ceil_mode", 1.0f);
  ExpectRejected("p_ceil_type", {1, 1, 4, 4}, f32, attrs, "ceil_mode");
}

}  // namespace
}  // namespace kiln
