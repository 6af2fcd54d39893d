#include "ops/activation.h"

#include <cmath>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

std::vector<float> Act(ActivationType type, float alpha, float beta, std::vector<float> x) {
  ActivationParams p{type, alpha, beta};
  auto out = RunOp(kActivationOp, p.ToAttrs(), {In({1, static_cast<int64_t>(x.size())}, x)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(ActivationTest, HandCheckedValues) {
  EXPECT_EQ(Act(ActivationType::kRelu, 0, 0, {-2, 0, 3}), (std::vector<float>{0, 0, 3}));
  EXPECT_EQ(Act(ActivationType::kLeakyRelu, 0.1f, 0, {-2, 3}), (std::vector<float>{-0.2f, 3}));
  EXPECT_EQ(Act(ActivationType::kClip, -1, 2, {-5, 0.5f, 7}), (std::vector<float>{-1, 0.5f, 2}));
  auto sig = Act(ActivationType::kSigmoid, 0, 0, {0, std::log(3.0f)});
  EXPECT_FLOAT_EQ(sig[0], 0.5f);
  EXPECT_FLOAT_EQ(sig[1], 0.75f);  // 1/(1+1/3)
  auto elu = Act(ActivationType::kElu, 2, 0, {-std::log(2.0f), 1});
  EXPECT_FLOAT_EQ(elu[0], -1.0f);  // 2*(0.5-1)
  EXPECT_FLOAT_EQ(elu[1], 1.0f);
  auto hs = Act(ActivationType::kHardSwish, 0, 0, {-4, 0, 1, 4});
  EXPECT_FLOAT_EQ(hs[0], 0.0f);
  EXPECT_FLOAT_EQ(hs[2], 1.0f * (1.0f / 6.0f + 0.5f));
  EXPECT_FLOAT_EQ(hs[3], 4.0f);
  auto sp = Act(ActivationType::kSoftplus, 0, 0, {0});
  EXPECT_FLOAT_EQ(sp[0], std::log(2.0f));
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), in double by hand.
  auto gt = Act(ActivationType::kGeluTanh, 0, 0, {-3, -1, 0, 0.5f, 1, 3});
  const double want[] = {-0.0036373920817729943, -0.15880800939172324, 0.0,
                         0.34571400982514394,    0.8411919906082768,   2.996362607918227};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(gt[i], want[i], 2e-7) << i;
  // The erf form differs from it by up to about 5e-4 (here at x = 1: 0.8413447).
  EXPECT_NEAR(Act(ActivationType::kGelu, 0, 0, {1})[0], 0.84134474606854293, 2e-7);
}

TEST(ActivationTest, Fp16TensorsAreComputedInFp32AndRounded) {
  Weights x(DataType::kFloat16, {1, 3});
  const float values[] = {-1.5f, 0.25f, 2.0f};
  for (int i = 0; i < 3; ++i) x.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
  auto out = RunOp(kActivationOp, ActivationParams{ActivationType::kRelu}.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0.0f, 0.25f, 2.0f}));
}

TEST(ActivationTest, RejectsUnknownTypeAndIntInput) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  AttrMap bad;
  bad.Set("type", "swishy");
  auto s = net.AddLayer1("act1", kActivationOp, {x}, bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("act1"), std::string::npos) << s.status();
  EXPECT_NE(s.status().message().find("swishy"), std::string::npos) << s.status();

  TensorId i = *net.AddInput("i", DataType::kInt32, {1, 4});
  auto s2 = AddActivation(net, "act2", i, {});
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.status().message().find("int32"), std::string::npos) << s2.status();

  auto s3 = AddActivation(net, "act3", x, {ActivationType::kClip, 3.0f, 1.0f});
  ASSERT_FALSE(s3.ok());
  EXPECT_NE(s3.status().message().find("reversed"), std::string::npos) << s3.status();
}

}  // namespace
}  // namespace kiln
