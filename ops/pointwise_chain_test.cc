#include "ops/pointwise_chain.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectLayerRejected;
using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

// One of every kind of step, with every flag.
PointwiseChainParams EveryKind() {
  PointwiseChainParams p;
  p.steps = {
      PointwiseStep::Activation({ActivationType::kLeakyRelu, 0.25f, 0.0f}),
      PointwiseStep::Unary(UnaryOp::kNeg),
      PointwiseStep::Scale(2.0f, 1.0f, std::nullopt),
      PointwiseStep::Scale(0.5f, -1.0f, 2.0f),
      PointwiseStep::ElementWise(ElementWiseOp::kSub, 3.0f, /*scalar_first=*/true),
      PointwiseStep::ElementWise(ElementWiseOp::kDiv, 4.0f, /*scalar_first=*/false),
  };
  return p;
}

std::vector<float> RunChain(const PointwiseChainParams& p, std::vector<float> x) {
  auto out = RunOp(kPointwiseChainOp, p.ToAttrs(), {In({1, static_cast<int64_t>(x.size())}, x)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(PointwiseChainTest, AttributesRoundTrip) {
  const PointwiseChainParams p = EveryKind();
  const AttrMap attrs = p.ToAttrs();
  EXPECT_EQ(*attrs.GetString("steps", ""),
            "activation:leaky_relu,unary:neg,scale,scale:pow,element_wise:sub:scalar_first,"
            "element_wise:div");
  auto back = PointwiseChainParams::FromAttrs(attrs);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->steps.size(), p.steps.size());
  for (size_t i = 0; i < p.steps.size(); ++i) {
    EXPECT_TRUE(back->steps[i] == p.steps[i]) << i << ": " << back->steps[i].ToString();
  }
  EXPECT_FALSE(back->steps[2].has_power);
  EXPECT_TRUE(back->steps[3].has_power);
  EXPECT_TRUE(back->steps[4].scalar_first);
  EXPECT_EQ(back->ToString(),
            "leaky_relu(alpha=0.25, beta=0) -> neg -> x * 2 + 1 -> (x * 0.5 + -1) ^ 2 -> "
            "sub(3, x) -> div(x, 4)");
}

TEST(PointwiseChainTest, HandCheckedValues) {
  // x = -4: leaky 0.25 -> -1, neg -> 1, *2+1 -> 3, (*0.5-1)^2 -> 0.25,
  //         3 - x -> 2.75, /4 -> 0.6875.
  // x = 2:  2 -> -2 -> -3 -> (-2.5)^2 = 6.25 -> -3.25 -> -0.8125.
  EXPECT_EQ(RunChain(EveryKind(), {-4, 2}), (std::vector<float>{0.6875f, -0.8125f}));
  PointwiseChainParams p;
  p.steps = {PointwiseStep::Unary(UnaryOp::kExp),
             PointwiseStep::ElementWise(ElementWiseOp::kMax, 2.0f, false),
             PointwiseStep::Unary(UnaryOp::kLog),
             PointwiseStep::ElementWise(ElementWiseOp::kPow, 2.0f, /*scalar_first=*/true),
             PointwiseStep::Activation({ActivationType::kClip, 0.0f, 3.0f})};
  // x = 0: exp 1, max 2, log ln2, 2^ln2 = 1.6168..., clip same.
  // x = 3: exp 20.08, log 3, 2^3 = 8, clip 3.
  auto y = RunChain(p, {0, 3});
  ASSERT_EQ(y.size(), 2u);
  EXPECT_FLOAT_EQ(y[0], std::pow(2.0f, std::log(2.0f)));
  EXPECT_FLOAT_EQ(y[1], 3.0f);
}

TEST(PointwiseChainTest, Fp16IsComputedInFp32AndRoundedOnce) {
  // 1 + 2^-11 is not an fp16; rounded after the first step it would be 1,
  // and 1 - 1 = 0. The chain keeps it in fp32: (1 + 2^-11) - 1 = 2^-11.
  Weights x(DataType::kFloat16, {1, 1});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(1.0f);
  PointwiseChainParams p;
  p.steps = {PointwiseStep::ElementWise(ElementWiseOp::kSum, std::ldexp(1.0f, -11), false),
             PointwiseStep::ElementWise(ElementWiseOp::kSub, 1.0f, false)};
  auto out = RunOp(kPointwiseChainOp, p.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{std::ldexp(1.0f, -11)}));
}

TEST(PointwiseChainTest, OutputHasTheInputsShapeAndType) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat16, {2, 3, 5});
  auto y = AddPointwiseChain(net, "chain", x, EveryKind());
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.graph().tensor(*y).desc.dtype, DataType::kFloat16);
  EXPECT_EQ(net.graph().tensor(*y).desc.dims, (Dims{2, 3, 5}));
}

TEST(PointwiseChainTest, ValidationNamesTheLayerAndTheStep) {
  const Dims dims = {1, 4};
  AttrMap unknown;
  unknown.Set("steps", "activation:relu,unary:cube");
  unknown.Set("params", std::vector<float>(6, 0.0f));
  ExpectLayerRejected(kPointwiseChainOp, "c1", dims, DataType::kFloat32, unknown,
                      "step 2: unknown unary op 'cube'");
  AttrMap bad_kind = unknown;
  bad_kind.Set("steps", "activation:relu,conv");
  ExpectLayerRejected(kPointwiseChainOp, "c2", dims, DataType::kFloat32, bad_kind,
                      "step 2: unknown step 'conv'; expected activation:<type>");
  AttrMap bad_flag = unknown;
  bad_flag.Set("steps", "activation:relu,element_wise:sub:backwards");
  ExpectLayerRejected(kPointwiseChainOp, "c3", dims, DataType::kFloat32, bad_flag,
                      "unknown step 'element_wise:sub:backwards'");
  AttrMap short_params = unknown;
  short_params.Set("steps", "activation:relu");
  ExpectLayerRejected(kPointwiseChainOp, "c4", dims, DataType::kFloat32, short_params,
                      "attribute 'params' has 6 values for 1 steps");
  ExpectLayerRejected(kPointwiseChainOp, "c5", dims, DataType::kFloat32,
                      PointwiseChainParams{}.ToAttrs(), "the chain has no steps");
  PointwiseChainParams long_chain;
  long_chain.steps.assign(kMaxPointwiseChainSteps + 1, PointwiseStep::Unary(UnaryOp::kNeg));
  ExpectLayerRejected(kPointwiseChainOp, "c6", dims, DataType::kFloat32, long_chain.ToAttrs(),
                      "33 steps; at most 32 fit in one layer: split it");
  PointwiseChainParams clip;
  clip.steps = {PointwiseStep::Unary(UnaryOp::kNeg),
                PointwiseStep::Activation({ActivationType::kClip, 2.0f, 1.0f})};
  ExpectLayerRejected(kPointwiseChainOp, "c7", dims, DataType::kFloat32, clip.ToAttrs(),
                      "step 2 (activation:clip): clip bounds are reversed");
  ExpectLayerRejected(kPointwiseChainOp, "c8", dims, DataType::kInt32, EveryKind().ToAttrs(),
                      "input 'x' is int32; PointwiseChain takes fp32 or fp16");
}

}  // namespace
}  // namespace kiln
