#include "ops/softmax.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

std::vector<float> SoftMax(SoftMaxParams params, testutil::OpInput x) {
  auto out = RunOp(kSoftMaxOp, params.ToAttrs(), {x});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

void ExpectNear(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-6f) << i;
}

TEST(SoftMaxTest, HandCheckedValues) {
  // [1,2,3]: e^-2, e^-1, 1 over their sum 1.5032147 (textbook values).
  ExpectNear(SoftMax({-1, false}, In({1, 3}, {1, 2, 3})), {0.0900306f, 0.2447285f, 0.6652410f});
  // log: x - 3 - log(1.5032147) = x - 3.4076060.
  ExpectNear(SoftMax({-1, true}, In({1, 3}, {1, 2, 3})), {-2.4076060f, -1.4076060f, -0.4076060f});
  // Large inputs do not overflow: the max is subtracted first.
  ExpectNear(SoftMax({1, false}, In({2, 2}, {1000, 1000, -1000, 0})), {0.5f, 0.5f, 0, 1});
  ExpectNear(SoftMax({1, true}, In({1, 2}, {1000, 1000})), {-0.6931472f, -0.6931472f});
}

TEST(SoftMaxTest, MiddleAxisUsesStridedSlices) {
  // (1,2,2) = [[1,3],[1,1]] along axis 1: column 0 is (1,1) -> .5,.5; column 1
  // is (3,1) -> sigmoid(2) = 0.8807971 and 0.1192029.
  const std::vector<float> expected = {0.5f, 0.8807971f, 0.5f, 0.1192029f};
  ExpectNear(SoftMax({1, false}, In({1, 2, 2}, {1, 3, 1, 1})), expected);
  ExpectNear(SoftMax({-2, false}, In({1, 2, 2}, {1, 3, 1, 1})), expected);
  // Axis 0 (the batch) of a (2,1): the two batch items are one softmax.
  ExpectNear(SoftMax({0, false}, In({2, 1}, {0, 0})), {0.5f, 0.5f});
}

TEST(SoftMaxTest, Fp16Input) {
  Weights x(DataType::kFloat16, {1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(2.0f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(2.0f);
  auto out = RunOp(kSoftMaxOp, SoftMaxParams{}.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0.5f, 0.5f}));
}

TEST(SoftMaxTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {2, 3});
  ExpectError(AddSoftMax(net, "s1", i), {"s1", "int32"});
  ExpectError(AddSoftMax(net, "s2", x, {3, false}),
              {"s2", "axis 3 is out of range", "rank 3", "[-3, 2]"});
  ExpectError(AddSoftMax(net, "s3", x, {-4, false}), {"s3", "axis -4 is out of range"});
  AttrMap bad;
  bad.Set("log", 2);
  ExpectError(net.AddLayer1("s4", kSoftMaxOp, {x}, bad), {"s4", "log must be 0 or 1"});
  auto ok = AddSoftMax(net, "ok", x, {-3, true});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{2, 3, 4}));
}

}  // namespace
}  // namespace kiln
