#include "ops/scale.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Const;
using testutil::ExpectError;
using testutil::In;
using testutil::Omitted;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

// [x, shift, scale, power]; an empty vector means "omitted". Built by moving
// because copying an empty Weights (Omitted()) is not safe.
std::vector<float> Scale(ScaleParams params, OpInput x, std::vector<float> shift,
                         std::vector<float> scale, std::vector<float> power) {
  std::vector<OpInput> inputs;
  inputs.push_back(std::move(x));
  for (std::vector<float>* v : {&shift, &scale, &power}) {
    if (v->empty()) {
      inputs.push_back(Omitted());
    } else {
      inputs.push_back(Const({static_cast<int64_t>(v->size())}, *v));
    }
  }
  auto out = RunOp(kScaleOp, params.ToAttrs(), inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(ScaleTest, UniformMode) {
  // (2x + 1)^2 for x = 1, 2, 3.
  EXPECT_EQ(Scale({ScaleMode::kUniform}, In({1, 3}, {1, 2, 3}), {1}, {2}, {2}),
            (std::vector<float>{9, 25, 49}));
  // Everything omitted: identity.
  EXPECT_EQ(Scale({ScaleMode::kUniform}, In({1, 3}, {1, -2, 3}), {}, {}, {}),
            (std::vector<float>{1, -2, 3}));
}

TEST(ScaleTest, ChannelMode) {
  // NCHW 1x2x1x2: channel 0 = [1,2] * 10, channel 1 = [3,4] * -1.
  EXPECT_EQ(Scale({ScaleMode::kChannel, 1}, In({1, 2, 1, 2}, {1, 2, 3, 4}), {}, {10, -1}, {}),
            (std::vector<float>{10, 20, -3, -4}));
  // channel_axis -1 of 2x3: shift per column.
  EXPECT_EQ(
      Scale({ScaleMode::kChannel, -1}, In({2, 3}, {1, 2, 3, 4, 5, 6}), {0.5f, 0, -0.5f}, {}, {}),
      (std::vector<float>{1.5f, 2, 2.5f, 4.5f, 5, 5.5f}));
  // Power per channel: channel 0 squared, channel 1 square-rooted.
  EXPECT_EQ(Scale({ScaleMode::kChannel, 1}, In({1, 2, 2}, {3, 4, 9, 16}), {}, {}, {2, 0.5f}),
            (std::vector<float>{9, 16, 3, 4}));
}

TEST(ScaleTest, ElementwiseModeRepeatsPerBatchItem) {
  // Per element of a 2-value item: x*[1,2] + [0,1] for items [1,2] and [3,4].
  EXPECT_EQ(Scale({ScaleMode::kElementwise}, In({2, 2}, {1, 2, 3, 4}), {0, 1}, {1, 2}, {}),
            (std::vector<float>{1, 5, 3, 9}));
}

TEST(ScaleTest, NonConstantParameters) {
  std::vector<OpInput> inputs;
  inputs.push_back(In({1, 2}, {1, 2}));
  inputs.push_back(In({1}, {3}));  // shift, computed by an earlier layer
  inputs.push_back(In({1}, {-1}));
  auto out = RunOp(kScaleOp, ScaleParams{}.ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{2, 1}));  // -x + 3
}

TEST(ScaleTest, Fp16Input) {
  Weights x(DataType::kFloat16, {1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(0.5f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(-2.0f);
  // 4x - 1 in fp16: 1 and -9, both exact.
  EXPECT_EQ(Scale({ScaleMode::kUniform}, {x, false}, {-1}, {4}, {}), (std::vector<float>{1, -9}));
  std::vector<OpInput> inputs;
  inputs.push_back({x, false});
  auto out = RunOp(kScaleOp, ScaleParams{}.ToAttrs(), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
}

TEST(ScaleTest, HelperAddsNamedConstants) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4, 4});
  auto y = AddScale(net, "bn", x, {ScaleMode::kChannel, 1}, Weights(DataType::kFloat32, {3}),
                    Weights(DataType::kFloat32, {3}), std::nullopt);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{2, 3, 4, 4}));
  EXPECT_TRUE(net.FindTensor("bn.shift").ok());
  EXPECT_TRUE(net.FindTensor("bn.scale").ok());
  EXPECT_FALSE(net.FindTensor("bn.power").ok());
}

TEST(ScaleTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {2, 3});
  const auto w = [](Dims dims) { return Weights(DataType::kFloat32, std::move(dims)); };
  ExpectError(AddScale(net, "s1", i, {}, w({1}), std::nullopt, std::nullopt), {"s1", "int32"});
  ExpectError(
      AddScale(net, "s2", x, {}, Weights(DataType::kInt64, {1}), std::nullopt, std::nullopt),
      {"s2", "shift", "int64"});
  ExpectError(AddScale(net, "s3", x, {ScaleMode::kChannel, 0}, w({2}), std::nullopt, std::nullopt),
              {"s3", "channel_axis 0 is out of range", "batch"});
  ExpectError(AddScale(net, "s4", x, {ScaleMode::kChannel, 3}, w({2}), std::nullopt, std::nullopt),
              {"s4", "channel_axis 3 is out of range", "rank 3"});
  ExpectError(AddScale(net, "s5", x, {ScaleMode::kChannel, 1}, std::nullopt, w({4}), std::nullopt),
              {"s5", "scale 's5.scale' has 4 values", "expected 3 values", "per channel"});
  ExpectError(AddScale(net, "s6", x, {ScaleMode::kUniform}, std::nullopt, std::nullopt, w({3})),
              {"s6", "power", "expected 1 value"});
  ExpectError(
      AddScale(net, "s7", x, {ScaleMode::kElementwise}, w({2, 3, 4}), std::nullopt, std::nullopt),
      {"s7", "has 24 values", "expected 12 values"});
  TensorId scalar = *net.AddConstant("scalar", w({}));
  ExpectError(
      AddScale(net, "s8", scalar, {ScaleMode::kElementwise}, w({1}), std::nullopt, std::nullopt),
      {"s8", "rank >= 1"});
  AttrMap bad;
  bad.Set("mode", "per_pixel");
  ExpectError(net.AddLayer1("s9", kScaleOp, {x}, bad), {"s9", "unknown scale mode 'per_pixel'"});
  // Elementwise accepts any dims with the right count; channel -1 is dim 2 (4 values).
  EXPECT_TRUE(
      AddScale(net, "ok1", x, {ScaleMode::kElementwise}, w({1, 3, 4}), std::nullopt, std::nullopt)
          .ok());
  EXPECT_TRUE(
      AddScale(net, "ok2", x, {ScaleMode::kChannel, -1}, w({4}), std::nullopt, std::nullopt).ok());
}

}  // namespace
}  // namespace kiln
