#include "ops/layer_normalization.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Const;
using testutil::In;
using testutil::OpInput;
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

AttrMap Attrs(int64_t axis, float epsilon) {
  LayerNormalizationParams p;
  p.axis = axis;
  p.epsilon = epsilon;
  return p.ToAttrs();
}

TEST(LayerNormalizationTest, LastAxisWithScaleAndBias) {
  // Rows [1,3] (mean 2, var 1) and [2,6] (mean 4, var 4) both normalize to
  // [-1,1]; times Scale [2,3] plus B [1,-1] gives [-1,2]. epsilon 0 keeps it exact.
  std::vector<OpInput> inputs;
  inputs.push_back(In({2, 2}, {1, 3, 2, 6}));
  inputs.push_back(Const({2}, {2, 3}));
  inputs.push_back(Const({2}, {1, -1}));
  auto out = RunOp(kLayerNormalizationOp, Attrs(-1, 0.0f), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-1, 2, -1, 2}));
  EXPECT_EQ((*out)[1].dims(), (Dims{2, 1}));
  EXPECT_EQ(ToFloats((*out)[1]), (std::vector<float>{2, 4}));
  EXPECT_EQ(ToFloats((*out)[2]), (std::vector<float>{1, 0.5f}));
}

TEST(LayerNormalizationTest, Axis1BroadcastScaleNoBias) {
  // Rows of 4: [0,0,4,4] (mean 2, std 2) -> [-1,-1,1,1]; [1,3,1,3] (mean 2,
  // std 1) -> [-1,1,-1,1]. Scale dims 2x1 = [1,10] broadcasts along the last
  // normalized dim: per element [1,1,10,10].
  std::vector<OpInput> inputs;
  inputs.push_back(In({2, 2, 2}, {0, 0, 4, 4, 1, 3, 1, 3}));
  inputs.push_back(Const({2, 1}, {1, 10}));
  auto out = RunOp(kLayerNormalizationOp, Attrs(1, 0.0f), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-1, -1, 10, 10, -1, 1, -10, 10}));
  EXPECT_EQ((*out)[1].dims(), (Dims{2, 1, 1}));
  EXPECT_EQ(ToFloats((*out)[2]), (std::vector<float>{0.5f, 1}));
}

TEST(LayerNormalizationTest, EpsilonIsAddedToVariance) {
  // Row [1,3]: var 1, eps 3 -> inv_std 1/2 -> [-0.5, 0.5].
  std::vector<OpInput> inputs;
  inputs.push_back(In({1, 2}, {1, 3}));
  inputs.push_back(Const({1}, {1}));
  auto out = RunOp(kLayerNormalizationOp, Attrs(-1, 3.0f), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-0.5f, 0.5f}));
  EXPECT_EQ(ToFloats((*out)[2]), (std::vector<float>{0.5f}));
}

TEST(LayerNormalizationTest, Fp16) {
  Weights x(DataType::kFloat16, {1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(1.0f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(3.0f);
  Weights scale(DataType::kFloat16, {2});
  scale.mutable_as<uint16_t>()[0] = FloatToHalf(0.5f);
  scale.mutable_as<uint16_t>()[1] = FloatToHalf(4.0f);
  std::vector<OpInput> inputs;
  inputs.push_back({x, false});
  inputs.push_back({scale, true});
  auto out = RunOp(kLayerNormalizationOp, Attrs(-1, 0.0f), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ((*out)[1].dtype(), DataType::kFloat32);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-0.5f, 4.0f}));
}

TEST(LayerNormalizationTest, HelperAddsConstantsAndReturnsY) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 5, 8});
  auto y = AddLayerNormalization(net, "ln", x, {}, Weights(DataType::kFloat32, {8}),
                                 Weights(DataType::kFloat32, {8}));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{2, 5, 8}));
  EXPECT_TRUE(net.FindTensor("ln.scale").ok());
  EXPECT_TRUE(net.FindTensor("ln.bias").ok());
  auto y2 = AddLayerNormalization(net, "ln2", x, {}, Weights(DataType::kFloat32, {8}),
                                  std::nullopt);
  EXPECT_TRUE(y2.ok()) << y2.status();
}

TEST(LayerNormalizationTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {2, 4});
  const auto w = [](Dims dims) { return Weights(DataType::kFloat32, std::move(dims)); };
  ExpectError(AddLayerNormalization(net, "l1", i, {}, w({4}), std::nullopt), {"l1", "int32"});
  LayerNormalizationParams axis3;
  axis3.axis = 3;
  ExpectError(AddLayerNormalization(net, "l2", x, axis3, w({4}), std::nullopt),
              {"l2", "axis 3 is out of range", "-3 <= axis < 3"});
  ExpectError(AddLayerNormalization(net, "l3", x, {}, w({3}), std::nullopt),
              {"l3", "Scale 'l3.scale' has dims 3", "normalized dims 4"});
  ExpectError(AddLayerNormalization(net, "l4", x, {}, w({4}), w({2, 4})),
              {"l4", "B 'l4.bias' has dims 2x4"});
  ExpectError(
      AddLayerNormalization(net, "l5", x, {}, Weights(DataType::kFloat16, {4}), std::nullopt),
      {"l5", "Scale", "fp16", "expected fp32"});
  LayerNormalizationParams eps;
  eps.epsilon = -1.0f;
  ExpectError(AddLayerNormalization(net, "l7", x, eps, w({4}), std::nullopt),
              {"l7", "epsilon", ">= 0"});
  ExpectError(net.AddLayer("l8", kLayerNormalizationOp, {x, -1}, {}), {"l8", "Scale", "missing"});
  LayerNormalizationParams axis0;
  axis0.axis = 0;  // normalizes everything, the batch included
  EXPECT_TRUE(AddLayerNormalization(net, "ok", x, axis0, w({3, 1}), std::nullopt).ok());
  LayerNormalizationParams stash;
  stash.stash_type = 10;  // ignored: statistics are fp32 whatever it says
  EXPECT_TRUE(AddLayerNormalization(net, "ok2", x, stash, w({4}), std::nullopt).ok());
}

}  // namespace
}  // namespace kiln
