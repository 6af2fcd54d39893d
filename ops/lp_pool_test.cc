#include "ops/lp_pool.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

template <typename T>
void ExpectError(const absl::StatusOr<T>& s, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(s.ok()) << "expected an error containing '" << *parts.begin() << "'";
  for (const char* part : parts) {
    EXPECT_NE(s.status().message().find(part), std::string::npos)
        << "missing '" << part << "' in: " << s.status();
  }
}

LpPoolParams Pool(std::vector<int64_t> kernel, int64_t p) {
  LpPoolParams params;
  params.kernel_shape = std::move(kernel);
  params.p = p;
  return params;
}

std::vector<float> LpPool(const LpPoolParams& p, Dims dims, std::vector<float> x, Dims expected) {
  auto out = RunOp(kLpPoolOp, p.ToAttrs(), {In(std::move(dims), std::move(x))});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims(), expected);
  return ToFloats((*out)[0]);
}

TEST(LpPoolTest, L2WithStride) {
  // 2x2 windows, stride 2: sqrt(3^2 + 4^2) = 5 and sqrt(6^2 + 8^2) = 10.
  LpPoolParams p = Pool({2, 2}, 2);
  p.strides = {2, 2};
  EXPECT_EQ(LpPool(p, {1, 1, 2, 4}, {3, 4, 0, 0, 0, 0, 6, 8}, {1, 1, 1, 2}),
            (std::vector<float>{5, 10}));
}

TEST(LpPoolTest, L1PaddingContributesNothing) {
  // Width 3 padded by 1 each side, windows of 2: |pad|+1, 1+2, 2+3, 3+|pad|.
  LpPoolParams p = Pool({1, 2}, 1);
  p.pads = {0, 1, 0, 1};
  EXPECT_EQ(LpPool(p, {1, 1, 1, 3}, {1, -2, 3}, {1, 1, 1, 4}), (std::vector<float>{1, 3, 5, 3}));
}

TEST(LpPoolTest, GeneralPAndDilation) {
  // p = 3 over [1, 2]: cbrt(1 + 8).
  std::vector<float> y = LpPool(Pool({1, 2}, 3), {1, 1, 1, 2}, {1, -2}, {1, 1, 1, 1});
  ASSERT_EQ(y.size(), 1u);
  EXPECT_FLOAT_EQ(y[0], std::cbrt(9.0f));
  // Dilation 2: taps (0,2), (1,3), (2,4) of [1,0,2,0,2] -> sqrt(5), 0, sqrt(8).
  LpPoolParams d = Pool({1, 2}, 2);
  d.dilations = {1, 2};
  y = LpPool(d, {1, 1, 1, 5}, {1, 0, 2, 0, 2}, {1, 1, 1, 3});
  ASSERT_EQ(y.size(), 3u);
  EXPECT_FLOAT_EQ(y[0], std::sqrt(5.0f));
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_FLOAT_EQ(y[2], std::sqrt(8.0f));
}

TEST(LpPoolTest, CeilModeAndAutoPad) {
  // Width 5, kernel 2, stride 2: floor gives 2 windows, ceil 3 (the last one
  // holds only x[4]).
  LpPoolParams p = Pool({1, 2}, 1);
  p.strides = {1, 2};
  EXPECT_EQ(LpPool(p, {1, 1, 1, 5}, {1, 1, 1, 1, 1}, {1, 1, 1, 2}), (std::vector<float>{2, 2}));
  p.ceil_mode = true;
  EXPECT_EQ(LpPool(p, {1, 1, 1, 5}, {1, 1, 1, 1, 1}, {1, 1, 1, 3}),
            (std::vector<float>{2, 2, 1}));
  // SAME with kernel 2: one pad, at the end (UPPER) or the start (LOWER).
  LpPoolParams s = Pool({1, 2}, 1);
  s.auto_pad = "SAME_UPPER";
  EXPECT_EQ(LpPool(s, {1, 1, 1, 4}, {1, 2, 3, 4}, {1, 1, 1, 4}), (std::vector<float>{3, 5, 7, 4}));
  s.auto_pad = "SAME_LOWER";
  EXPECT_EQ(LpPool(s, {1, 1, 1, 4}, {1, 2, 3, 4}, {1, 1, 1, 4}), (std::vector<float>{1, 3, 5, 7}));
  s.auto_pad = "VALID";
  s.kernel_shape = {1, 3};
  EXPECT_EQ(LpPool(s, {1, 1, 1, 4}, {1, 2, 3, 4}, {1, 1, 1, 2}), (std::vector<float>{6, 9}));
}

TEST(LpPoolTest, OneSpatialDimGlobal) {
  // GlobalLpPool over 3 elements per channel: sqrt(1+4+4) = 3, sqrt(0+9+16) = 5.
  EXPECT_EQ(LpPool(Pool({3}, 2), {1, 2, 3}, {1, 2, -2, 0, 3, 4}, {1, 2, 1}),
            (std::vector<float>{3, 5}));
}

TEST(LpPoolTest, Fp16) {
  Weights x(DataType::kFloat16, {1, 1, 1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(-3.0f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(4.0f);
  auto out = RunOp(kLpPoolOp, Pool({1, 2}, 2).ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{5}));
}

TEST(LpPoolTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 2, 4, 4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {1, 2, 4, 4});
  ExpectError(AddLpPool(net, "p1", i, Pool({2, 2}, 2)), {"p1", "int32"});
  ExpectError(net.AddLayer1("p2", kLpPoolOp, {x}, {}), {"p2", "'kernel_shape' is missing"});
  ExpectError(AddLpPool(net, "p3", x, Pool({}, 2)), {"p3", "'kernel_shape' is empty"});
  ExpectError(AddLpPool(net, "p4", x, Pool({2, 0}, 2)), {"p4", "'kernel_shape'", ">= 1"});
  ExpectError(AddLpPool(net, "p5", x, Pool({2}, 2)),
              {"p5", "input needs 3 dims", "1x2x4x4"});
  LpPoolParams p = Pool({2, 2}, 2);
  p.strides = {1};
  ExpectError(AddLpPool(net, "p6", x, p), {"p6", "'strides' has 1 values; expected 2"});
  p = Pool({2, 2}, 2);
  p.pads = {0, 0, -1, 0};
  ExpectError(AddLpPool(net, "p7", x, p), {"p7", "'pads'", ">= 0"});
  p.pads = {0, 0};
  ExpectError(AddLpPool(net, "p8", x, p), {"p8", "'pads' has 2 values; expected 4"});
  ExpectError(AddLpPool(net, "p9", x, Pool({2, 2}, 0)), {"p9", "'p' is 0"});
  p = Pool({2, 2}, 2);
  p.auto_pad = "SAME";
  ExpectError(AddLpPool(net, "p10", x, p), {"p10", "'auto_pad' is 'SAME'"});
  p.auto_pad = "VALID";
  p.pads = {1, 1, 1, 1};
  ExpectError(AddLpPool(net, "p11", x, p), {"p11", "'pads' and auto_pad"});
  ExpectError(AddLpPool(net, "p12", x, Pool({5, 2}, 2)),
              {"p12", "spatial dim 0 would be empty", "kernel size 5"});
  AttrMap bad = Pool({2, 2}, 2).ToAttrs();
  bad.Set("ceil_mode", int64_t{3});
  ExpectError(net.AddLayer1("p13", kLpPoolOp, {x}, bad), {"p13", "'ceil_mode' is 3"});
  auto ok = AddLpPool(net, "ok", x, Pool({4, 4}, 2));  // global
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{1, 2, 1, 1}));
}

}  // namespace
}  // namespace kiln
