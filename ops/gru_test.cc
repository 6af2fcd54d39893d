#include "ops/gru.h"

#include <cmath>
#include <cstdint>
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
using testutil::Typed;

// Hidden 1, input 1, seq 2. The z and r rows of W and R are 0, so with zero
// biases zt = rt = sigmoid(0) = 0.5 exactly; Wh = 1, Rh = 2 and g = Relu:
//   ht = relu(xt + 0.5*Ht-1*2 + Rbh)            (linear_before_reset 0)
//   ht = relu(xt + 0.5*(2*Ht-1 + Rbh))          (linear_before_reset 1)
//   Ht = 0.5*ht + 0.5*Ht-1.
RecurrentParams GruParams(bool linear_before_reset) {
  RecurrentParams p;
  p.hidden_size = 1;
  p.activations = {"Sigmoid", "Relu"};
  p.linear_before_reset = linear_before_reset;
  return p;
}

std::vector<OpInput> GruInputs(std::vector<float> bias) {
  return {In({2, 1, 1}, {1, 2}), Const({1, 3, 1}, {0, 0, 1}), Const({1, 3, 1}, {0, 0, 2}),
          Const({1, 6}, bias)};
}

std::vector<Weights> RunGru(const RecurrentParams& p, std::vector<OpInput> inputs) {
  auto out = RunOp(kGruOp, p.ToAttrs(RecurrentKind::kGru), inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<Weights>(2);
}

TEST(GruTest, HandCheckedBothResetForms) {
  // Rbh = 1. Reset before: t0: h = relu(1 + 0 + 1) = 2, H = 1;
  // t1: h = relu(2 + 1 + 1) = 4, H = 2 + 0.5 = 2.5.
  auto out = RunGru(GruParams(false), GruInputs({0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(out[0].dims(), (Dims{2, 1, 1, 1}));
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{1, 2.5f}));
  EXPECT_EQ(ToFloats(out[1]), (std::vector<float>{2.5f}));
  // Linear before reset: t0: h = relu(1 + 0.5*(0 + 1)) = 1.5, H = 0.75;
  // t1: h = relu(2 + 0.5*(1.5 + 1)) = 3.25, H = 1.625 + 0.375 = 2.
  out = RunGru(GruParams(true), GruInputs({0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{0.75f, 2}));
}

TEST(GruTest, UpdateGateBiasAndDefaults) {
  // Wbz = ln(3): z = 0.75, r = 0.5, Rbh = 0. t0: h = relu(1) = 1, H = 0.25;
  // t1: h = relu(2 + 0.25) = 2.25, H = 0.25*2.25 + 0.75*0.25 = 0.75.
  auto out = RunGru(GruParams(false), GruInputs({std::log(3.0f), 0, 0, 0, 0, 0}));
  const std::vector<float> y = ToFloats(out[0]);
  ASSERT_EQ(y.size(), 2u);
  EXPECT_FLOAT_EQ(y[0], 0.25f);
  EXPECT_FLOAT_EQ(y[1], 0.75f);

  // Default activations (Sigmoid, Tanh), no B: one step from x = 1:
  // z = r = 0.5, h = tanh(1), H = 0.5*tanh(1).
  RecurrentParams defaults;
  out = RunGru(defaults,
               {In({1, 1, 1}, {1}), Const({1, 3, 1}, {0, 0, 1}), Const({1, 3, 1}, {0, 0, 2})});
  EXPECT_FLOAT_EQ(ToFloats(out[1])[0], 0.5f * std::tanh(1.0f));
}

TEST(GruTest, ReverseSequenceLensAndLayout) {
  // Batch 2, both reversed; batch 1 has length 1 so only its t0 runs:
  // batch 0 as in HandCheckedBothResetForms but x reversed (t1 = 2 first):
  //   h = relu(2 + 0 + 1) = 3, H = 1.5; then h = relu(1 + 1.5 + 1) = 3.5, H = 2.5.
  // batch 1: h = relu(1 + 1) = 2, H = 1 at t0; t1 stays 0.
  RecurrentParams p = GruParams(false);
  p.direction = RecurrentDirection::kReverse;
  p.layout = 1;  // X [batch, seq, input]
  auto out = RunGru(
      p, {In({2, 2, 1}, {1, 2, 1, 2}), Const({1, 3, 1}, {0, 0, 1}), Const({1, 3, 1}, {0, 0, 2}),
          Const({1, 6}, {0, 0, 0, 0, 0, 1}), Typed<int64_t>(DataType::kInt64, {2}, {2, 1})});
  EXPECT_EQ(out[0].dims(), (Dims{2, 2, 1, 1}));  // [batch, seq, dirs, hidden]
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{2.5f, 1.5f, 1, 0}));
  EXPECT_EQ(out[1].dims(), (Dims{2, 1, 1}));
  EXPECT_EQ(ToFloats(out[1]), (std::vector<float>{2.5f, 1}));
}

TEST(GruTest, Fp16) {
  Weights x(DataType::kFloat16, {2, 1, 1});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(1);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(2);
  Weights w(DataType::kFloat16, {1, 3, 1}), r(DataType::kFloat16, {1, 3, 1}),
      b(DataType::kFloat16, {1, 6});
  w.mutable_as<uint16_t>()[2] = FloatToHalf(1);
  r.mutable_as<uint16_t>()[2] = FloatToHalf(2);
  b.mutable_as<uint16_t>()[5] = FloatToHalf(1);
  auto out = RunOp(kGruOp, GruParams(false).ToAttrs(RecurrentKind::kGru),
                   {{x, false}, {w, true}, {r, true}, {b, true}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 2.5f}));
}

TEST(GruTest, RejectsBadShapesAndActivations) {
  RecurrentParams ok;
  // GRU stacks 3 gates: W must have 3*hidden rows.
  testutil::ExpectLayerRejected(kGruOp, "w", {2, 1, 1}, DataType::kFloat32,
                                ok.ToAttrs(RecurrentKind::kGru), "expected 1x3x1",
                                {Dims{1, 1, 1}, Dims{1, 3, 1}});
  testutil::ExpectLayerRejected(
      kGruOp, "b", {2, 1, 1}, DataType::kFloat32, ok.ToAttrs(RecurrentKind::kGru),
      "input B has dims 1x3; expected 1x6", {Dims{1, 3, 1}, Dims{1, 3, 1}, Dims{1, 3}});
  RecurrentParams acts;
  acts.activations = {"Sigmoid"};
  testutil::ExpectLayerRejected(kGruOp, "acts", {2, 1, 1}, DataType::kFloat32,
                                acts.ToAttrs(RecurrentKind::kGru), "expected 2",
                                {Dims{1, 3, 1}, Dims{1, 3, 1}});
  RecurrentParams clip;
  clip.has_clip = true;
  clip.clip = -1;
  testutil::ExpectLayerRejected(kGruOp, "clip", {2, 1, 1}, DataType::kFloat32,
                                clip.ToAttrs(RecurrentKind::kGru), "clip is -1",
                                {Dims{1, 3, 1}, Dims{1, 3, 1}});
}

}  // namespace
}  // namespace kiln
