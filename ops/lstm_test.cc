#include "ops/lstm.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Const;
using testutil::In;
using testutil::Omitted;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

// Hidden 1, input 1, seq 2, X = [1, 2]. Gate rows of W are i, o, f, c; only
// Wc = 1 and R = 0, so ct = g(xt).
std::vector<OpInput> LstmInputs() {
  return {In({2, 1, 1}, {1, 2}), Const({1, 4, 1}, {0, 0, 0, 1}), Const({1, 4, 1}, {0, 0, 0, 0})};
}

std::vector<Weights> RunLstm(const RecurrentParams& p, std::vector<OpInput> inputs) {
  auto out = RunOp(kLstmOp, p.ToAttrs(RecurrentKind::kLstm), inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<Weights>(3);
}

TEST(LstmTest, HandCheckedSigmoidGates) {
  // f = Sigmoid of 0: i = o = f = 0.5; g = h = Relu. Ct = 0.5*Ct-1 + 0.5*xt,
  // Ht = 0.5*Ct. t0: C = 0.5, H = 0.25; t1: C = 0.25 + 1 = 1.25, H = 0.625.
  RecurrentParams p;
  p.activations = {"Sigmoid", "Relu", "Relu"};
  auto out = RunLstm(p, LstmInputs());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].dims(), (Dims{2, 1, 1, 1}));
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{0.25f, 0.625f}));
  EXPECT_EQ(ToFloats(out[1]), (std::vector<float>{0.625f}));
  EXPECT_EQ(ToFloats(out[2]), (std::vector<float>{1.25f}));

  // initial_c = 1: t0: C = 0.5 + 0.5 = 1, H = 0.5; t1: C = 0.5 + 1 = 1.5, H = 0.75.
  std::vector<OpInput> inputs = LstmInputs();
  inputs.push_back(Omitted());  // B
  inputs.push_back(Omitted());  // sequence_lens
  inputs.push_back(Omitted());  // initial_h
  inputs.push_back(In({1, 1, 1}, {1}));
  out = RunLstm(p, inputs);
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{0.5f, 0.75f}));
  EXPECT_EQ(ToFloats(out[2]), (std::vector<float>{1.5f}));
}

// f = Affine (identity by default), g = h = Relu; Wb = 0.5 for i, o, f;
// peepholes Pi = Po = 1, Pf = 0.
RecurrentParams AffineParams(bool input_forget) {
  RecurrentParams p;
  p.activations = {"Affine", "Relu", "Relu"};
  p.input_forget = input_forget;
  return p;
}
std::vector<OpInput> PeepholeInputs() {
  std::vector<OpInput> inputs = LstmInputs();
  inputs.push_back(Const({1, 8}, {0.5f, 0.5f, 0.5f, 0, 0, 0, 0, 0}));
  inputs.push_back(Omitted());
  inputs.push_back(Omitted());
  inputs.push_back(Omitted());
  inputs.push_back(Const({1, 3}, {1, 1, 0}));
  return inputs;
}

TEST(LstmTest, PeepholesAndInputForget) {
  // i = 0.5 + Ct-1, f = 0.5, C = f*Ct-1 + i*xt, o = 0.5 + Ct, H = o*C.
  // t0: i = 0.5, C = 0.5, o = 1, H = 0.5.
  // t1: i = 1, C = 0.25 + 2 = 2.25, o = 2.75, H = 6.1875.
  auto out = RunLstm(AffineParams(false), PeepholeInputs());
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{0.5f, 6.1875f}));
  EXPECT_EQ(ToFloats(out[2]), (std::vector<float>{2.25f}));
  // input_forget: f = 1 - i. t0 as above; t1: i = 1, f = 0, C = 2, o = 2.5, H = 5.
  out = RunLstm(AffineParams(true), PeepholeInputs());
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{0.5f, 5}));
  EXPECT_EQ(ToFloats(out[2]), (std::vector<float>{2}));
}

TEST(LstmTest, BidirectionalBatchwise) {
  // Both directions use the HandCheckedSigmoidGates weights. Reverse sees
  // x = 2 then 1: C = 1, H = 0.5 at t1; C = 0.5 + 0.5 = 1, H = 0.5 at t0.
  RecurrentParams p;
  p.direction = RecurrentDirection::kBidirectional;
  p.layout = 1;
  p.activations = {"Sigmoid", "Relu", "Relu", "Sigmoid", "Relu", "Relu"};
  auto out = RunLstm(p, {In({1, 2, 1}, {1, 2}), Const({2, 4, 1}, {0, 0, 0, 1, 0, 0, 0, 1}),
                         Const({2, 4, 1}, std::vector<float>(8, 0.0f))});
  EXPECT_EQ(out[0].dims(), (Dims{1, 2, 2, 1}));  // [batch, seq, dirs, hidden]
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{0.25f, 0.5f, 0.625f, 0.5f}));
  EXPECT_EQ(out[1].dims(), (Dims{1, 2, 1}));
  EXPECT_EQ(ToFloats(out[1]), (std::vector<float>{0.625f, 0.5f}));
  EXPECT_EQ(ToFloats(out[2]), (std::vector<float>{1.25f, 1}));
}

TEST(LstmTest, Fp16) {
  Weights x(DataType::kFloat16, {2, 1, 1}), w(DataType::kFloat16, {1, 4, 1}),
      r(DataType::kFloat16, {1, 4, 1});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(1);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(2);
  w.mutable_as<uint16_t>()[3] = FloatToHalf(1);
  RecurrentParams p;
  p.activations = {"Sigmoid", "Relu", "Relu"};
  auto out = RunOp(kLstmOp, p.ToAttrs(RecurrentKind::kLstm), {{x, false}, {w, true}, {r, true}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0.25f, 0.625f}));
}

TEST(LstmTest, RejectsBadPeepholesAndCellState) {
  RecurrentParams ok;
  const AttrMap attrs = ok.ToAttrs(RecurrentKind::kLstm);
  testutil::ExpectLayerRejected(kLstmOp, "p", {2, 1, 1}, DataType::kFloat32, attrs,
                                "input P has dims 1x4; expected 1x3",
                                {Dims{1, 4, 1}, Dims{1, 4, 1}, std::nullopt, std::nullopt,
                                 std::nullopt, std::nullopt, Dims{1, 4}});
  testutil::ExpectLayerRejected(
      kLstmOp, "c", {2, 1, 1}, DataType::kFloat32, attrs, "input initial_c has dims 2x1x1",
      {Dims{1, 4, 1}, Dims{1, 4, 1}, std::nullopt, std::nullopt, std::nullopt, Dims{2, 1, 1}});
  testutil::ExpectLayerRejected(kLstmOp, "r", {2, 1, 1}, DataType::kFloat32, attrs,
                                "input R has dims 1x8x1; expected 1x4x1",
                                {Dims{1, 4, 1}, Dims{1, 8, 1}});
  RecurrentParams acts;
  acts.activations = {"Sigmoid", "Tanh"};
  testutil::ExpectLayerRejected(kLstmOp, "acts", {2, 1, 1}, DataType::kFloat32,
                                acts.ToAttrs(RecurrentKind::kLstm), "expected 3",
                                {Dims{1, 4, 1}, Dims{1, 4, 1}});
}

}  // namespace
}  // namespace kiln
