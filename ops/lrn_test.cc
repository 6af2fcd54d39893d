#include "ops/lrn.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

std::vector<float> Lrn(const LrnParams& p, Dims dims, std::vector<float> x) {
  auto out = RunOp(kLrnOp, p.ToAttrs(), {In(std::move(dims), std::move(x))});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(LrnTest, HandCheckedOddWindow) {
  // Channels x = [1, 2, 3], size 3 (one channel each side): sums of squares
  // are 1+4 = 5, 1+4+9 = 14, 4+9 = 13. alpha = 3 makes alpha/size = 1, beta = 1,
  // bias = 1: y = x / (1 + sum).
  const std::vector<float> y = Lrn({3, 3.0f, 1.0f, 1.0f}, {1, 3, 1, 1}, {1, 2, 3});
  ASSERT_EQ(y.size(), 3u);
  EXPECT_FLOAT_EQ(y[0], 1.0f / 6.0f);
  EXPECT_FLOAT_EQ(y[1], 2.0f / 15.0f);
  EXPECT_FLOAT_EQ(y[2], 3.0f / 14.0f);
}

TEST(LrnTest, HandCheckedEvenWindowLeansForward) {
  // size 2: the window is [c - floor(1/2), c + ceil(1/2)] = [c, c+1]. Sums:
  // 1+4 = 5, 4+9 = 13, 9. alpha = 2 makes alpha/size = 1.
  const std::vector<float> y = Lrn({2, 2.0f, 1.0f, 1.0f}, {1, 3, 1, 1}, {1, 2, 3});
  ASSERT_EQ(y.size(), 3u);
  EXPECT_FLOAT_EQ(y[0], 1.0f / 6.0f);
  EXPECT_FLOAT_EQ(y[1], 2.0f / 14.0f);
  EXPECT_FLOAT_EQ(y[2], 3.0f / 10.0f);
}

TEST(LrnTest, HandCheckedDefaultsAndSpatialPositions) {
  // size 1, alpha 1, bias 2, default beta 0.75: y = x / (2 + x^2)^0.75.
  LrnParams p;
  p.size = 1;
  p.alpha = 1.0f;
  p.bias = 2.0f;
  std::vector<float> y = Lrn(p, {1, 1, 1, 2}, {2, -1});
  ASSERT_EQ(y.size(), 2u);
  EXPECT_FLOAT_EQ(y[0], 2.0f / std::pow(6.0f, 0.75f));
  EXPECT_FLOAT_EQ(y[1], -1.0f / std::pow(3.0f, 0.75f));

  // Two images, two channels, two positions; size 3 spans both channels, so
  // position i of image n sums x[n,0,i]^2 + x[n,1,i]^2 (alpha/size = 1, beta 1, bias 1).
  y = Lrn({3, 3.0f, 1.0f, 1.0f}, {2, 2, 2}, {1, 2, 3, 4, 0, 1, 2, 0});
  const float expected[] = {1.0f / 11, 2.0f / 21, 3.0f / 11, 4.0f / 21,
                            0.0f,      1.0f / 2,  2.0f / 5,  0.0f};
  ASSERT_EQ(y.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_FLOAT_EQ(y[i], expected[i]) << i;
}

TEST(LrnTest, Fp16TensorsAreComputedInFp32AndRounded) {
  Weights x(DataType::kFloat16, {1, 3, 1, 1});
  const float values[] = {1, 2, 3};
  for (int i = 0; i < 3; ++i) x.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
  auto out = RunOp(kLrnOp, LrnParams{3, 3.0f, 1.0f, 1.0f}.ToAttrs(), {OpInput{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  const std::vector<float> y = ToFloats((*out)[0]);
  EXPECT_EQ(y[0], HalfToFloat(FloatToHalf(1.0f / 6.0f)));
  EXPECT_EQ(y[1], HalfToFloat(FloatToHalf(2.0f / 15.0f)));
  EXPECT_EQ(y[2], HalfToFloat(FloatToHalf(3.0f / 14.0f)));
}

TEST(LrnTest, ShapeIsKept) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat16, {2, 96, 55, 55});
  auto y = AddLrn(net, "norm1", x, {});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{2, 96, 55, 55}));
  EXPECT_EQ(net.desc(*y).dtype, DataType::kFloat16);
}

void ExpectRejected(const std::string& layer, Dims dims, DataType type, const AttrMap& attrs,
                    const std::string& expected) {
  testutil::ExpectLayerRejected(kLrnOp, layer, std::move(dims), type, attrs, expected);
}

TEST(LrnTest, RejectsBadLayers) {
  const AttrMap good = LrnParams{}.ToAttrs();
  ExpectRejected("n_int", {1, 4, 2, 2}, DataType::kInt8, good, "is int8; LRN takes fp32 or fp16");
  ExpectRejected("n_rank", {4}, DataType::kFloat32, good, "expected at least 2 dims (N, C, ...)");
  AttrMap attrs = good;
  attrs.Set("size", int64_t{0});
  ExpectRejected("n_size0", {1, 4, 2, 2}, DataType::kFloat32, attrs,
                 "'size' is 0; it must be >= 1");
  AttrMap no_size;
  no_size.Set("alpha", 1.0f);
  ExpectRejected("n_nosize", {1, 4, 2, 2}, DataType::kFloat32, no_size,
                 "'size' (channels in the window) is missing");
  attrs = good;
  attrs.Set("beta", std::nanf(""));
  ExpectRejected("n_beta", {1, 4, 2, 2}, DataType::kFloat32, attrs,
                 "'beta' is nan; it must be finite");
  attrs = good;
  attrs.Set("alpha", "small");
  ExpectRejected("n_alpha_type", {1, 4, 2, 2}, DataType::kFloat32, attrs,
                 "'alpha' has type string, expected float");
}

}  // namespace
}  // namespace kiln
