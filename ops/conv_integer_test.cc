#include "ops/conv_integer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::OpInput;
using testutil::RunOp;

OpInput Int32s(Dims dims, const std::vector<int32_t>& values) {
  Weights w(DataType::kInt32, std::move(dims));
  for (size_t i = 0; i < values.size(); ++i) w.mutable_as<int32_t>()[i] = values[i];
  return {std::move(w), false};
}

std::vector<int32_t> Values(const Weights& w) {
  return std::vector<int32_t>(w.as<int32_t>(), w.as<int32_t>() + Volume(w.dims()));
}

void ExpectError(const absl::Status& status, std::vector<std::string> parts) {
  ASSERT_FALSE(status.ok());
  for (const std::string& part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "'" << part << "' not in: " << status;
  }
}

TEST(ConvIntegerTest, HandChecked) {
  // ONNX's test_basic_convinteger after x's zero point (1): x - 1 = 1..9 in a
  // 3x3, w = all ones 2x2: each output sums a 2x2 window: 1+2+4+5 = 12, 16, 24, 28.
  auto out = RunOp(kConvIntegerOp, ConvIntegerParams{}.ToAttrs(),
                   {Int32s({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                    Int32s({1, 1, 2, 2}, {1, 1, 1, 1})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 1, 2, 2}));
  EXPECT_EQ(Values((*out)[0]), (std::vector<int32_t>{12, 16, 24, 28}));
}

TEST(ConvIntegerTest, PaddingStrideAndGroups) {
  // Two groups of one channel, pads 1 all round, stride 2 on a 2x2 input:
  // a 3x3 all-ones (channel 0) / all-minus-ones (channel 1) filter over the
  // padded 4x4 gives one output per channel: the whole channel's sum.
  ConvIntegerParams params;
  params.pads = {1, 1, 1, 1};
  params.strides = {2, 2};
  params.group = 2;
  std::vector<int32_t> w(18, 1);
  for (int i = 9; i < 18; ++i) w[i] = -1;
  auto out = RunOp(kConvIntegerOp, params.ToAttrs(),
                   {Int32s({1, 2, 2, 2}, {1, 2, 3, 4, 100000, 200000, 300000, 400000}),
                    Int32s({2, 1, 3, 3}, w)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 2, 1, 1}));
  EXPECT_EQ(Values((*out)[0]), (std::vector<int32_t>{10, -1000000}));
}

TEST(ConvIntegerTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId xf = *net.AddInput("xf", DataType::kFloat32, {1, 2, 4, 4});
  TensorId x = *net.AddInput("x", DataType::kInt32, {1, 2, 4, 4});
  TensorId x3 = *net.AddInput("x3", DataType::kInt32, {1, 2, 4});
  TensorId w = *net.AddInput("w", DataType::kInt32, {3, 2, 3, 3});
  TensorId w1 = *net.AddInput("w1", DataType::kInt32, {3, 1, 3, 3});
  TensorId big = *net.AddInput("big", DataType::kInt32, {3, 2, 5, 5});
  ConvIntegerParams params;
  ExpectError(AddConvInteger(net, "c1", xf, w, params).status(), {"c1", "fp32", "int32"});
  ExpectError(AddConvInteger(net, "c2", x3, w, params).status(), {"c2", "expected 4 dims"});
  ExpectError(AddConvInteger(net, "c3", x, w1, params).status(), {"c3", "weights expect 1"});
  ExpectError(AddConvInteger(net, "c4", x, big, params).status(), {"c4", "would be empty"});
  params.group = 2;
  ExpectError(AddConvInteger(net, "c5", x, w1, params).status(), {"c5", "group=2 does not divide"});
  AttrMap bad = ConvIntegerParams{}.ToAttrs();
  bad.Set("strides", std::vector<int64_t>{0, 1});
  ExpectError(net.AddLayer1("c6", kConvIntegerOp, {x, w}, bad).status(), {"c6", "strides"});
}

}  // namespace
}  // namespace kiln
