#include "ops/rnn.h"

#include <cmath>
#include <cstdint>
#include <vector>

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
using testutil::Typed;

// Hidden 1, input 1, seq 2: W = 0.5, R = 2, Wb = Rb = 0.25, f = Relu, so
// Ht = relu(0.5*xt + 2*Ht-1 + 0.5).
RecurrentParams ReluParams() {
  RecurrentParams p;
  p.hidden_size = 1;
  p.activations = {"Relu"};
  return p;
}

std::vector<Weights> RunRnn(const RecurrentParams& p, std::vector<OpInput> inputs) {
  auto out = RunOp(kRnnOp, p.ToAttrs(RecurrentKind::kRnn), inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<Weights>(2);
}

TEST(RnnTest, ForwardHandChecked) {
  // t0: relu(0.5 + 0 + 0.5) = 1; t1: relu(1 + 2 + 0.5) = 3.5.
  auto out = RunRnn(ReluParams(), {In({2, 1, 1}, {1, 2}), Const({1, 1, 1}, {0.5f}),
                                   Const({1, 1, 1}, {2}), Const({1, 2}, {0.25f, 0.25f})});
  EXPECT_EQ(out[0].dims(), (Dims{2, 1, 1, 1}));
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{1, 3.5f}));
  EXPECT_EQ(out[1].dims(), (Dims{1, 1, 1}));
  EXPECT_EQ(ToFloats(out[1]), (std::vector<float>{3.5f}));
}

TEST(RnnTest, DefaultsAreTanhZeroBiasZeroState) {
  // B, sequence_lens and initial_h omitted; W = 1 and R = 0, so Yt = tanh(xt).
  RecurrentParams p;  // hidden_size taken from R
  auto out = RunRnn(p, {In({2, 1, 1}, {0.5f, -1}), Const({1, 1, 1}, {1}), Const({1, 1, 1}, {0})});
  const std::vector<float> y = ToFloats(out[0]);
  ASSERT_EQ(y.size(), 2u);
  EXPECT_FLOAT_EQ(y[0], std::tanh(0.5f));
  EXPECT_FLOAT_EQ(y[1], std::tanh(-1.0f));
}

TEST(RnnTest, ReverseAndBidirectional) {
  // Reverse: t1 first: relu(1 + 0 + 0.5) = 1.5; then t0: relu(0.5 + 3 + 0.5) = 4.
  RecurrentParams rev = ReluParams();
  rev.direction = RecurrentDirection::kReverse;
  auto out = RunRnn(rev, {In({2, 1, 1}, {1, 2}), Const({1, 1, 1}, {0.5f}), Const({1, 1, 1}, {2}),
                          Const({1, 2}, {0.25f, 0.25f})});
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{4, 1.5f}));
  EXPECT_EQ(ToFloats(out[1]), (std::vector<float>{4}));

  // Both at once, same weights per direction: Y[t, d] and Y_h[d].
  RecurrentParams bi = ReluParams();
  bi.direction = RecurrentDirection::kBidirectional;
  bi.activations = {"Relu", "Relu"};
  out = RunRnn(bi, {In({2, 1, 1}, {1, 2}), Const({2, 1, 1}, {0.5f, 0.5f}), Const({2, 1, 1}, {2, 2}),
                    Const({2, 2}, {0.25f, 0.25f, 0.25f, 0.25f})});
  EXPECT_EQ(out[0].dims(), (Dims{2, 2, 1, 1}));
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{1, 4, 3.5f, 1.5f}));
  EXPECT_EQ(ToFloats(out[1]), (std::vector<float>{3.5f, 4}));
}

TEST(RnnTest, SequenceLensZeroTheTailAndKeepTheState) {
  // Batch 2 with the same inputs; sequence 1 stops after one step.
  auto out = RunRnn(ReluParams(),
                    {In({2, 2, 1}, {1, 1, 2, 2}), Const({1, 1, 1}, {0.5f}), Const({1, 1, 1}, {2}),
                     Const({1, 2}, {0.25f, 0.25f}), Typed<int32_t>(DataType::kInt32, {2}, {2, 1})});
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{1, 1, 3.5f, 0}));
  EXPECT_EQ(ToFloats(out[1]), (std::vector<float>{3.5f, 1}));
}

TEST(RnnTest, InitialStateLayoutOneAndClip) {
  // initial_h = 1: t0: relu(0.5 + 2 + 0.5) = 3; t1: relu(1 + 6 + 0.5) = 7.5.
  // layout 1 puts batch first: X [1, 2, 1], Y [1, 2, 1, 1], Y_h [1, 1, 1].
  RecurrentParams p = ReluParams();
  p.layout = 1;
  auto out = RunRnn(p, {In({1, 2, 1}, {1, 2}), Const({1, 1, 1}, {0.5f}), Const({1, 1, 1}, {2}),
                        Const({1, 2}, {0.25f, 0.25f}), Omitted(), In({1, 1, 1}, {1})});
  EXPECT_EQ(out[0].dims(), (Dims{1, 2, 1, 1}));
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{3, 7.5f}));
  EXPECT_EQ(out[1].dims(), (Dims{1, 1, 1}));

  // clip 3 bounds the pre-activation 3.5 of t1 in ForwardHandChecked.
  p = ReluParams();
  p.has_clip = true;
  p.clip = 3;
  out = RunRnn(p, {In({2, 1, 1}, {1, 2}), Const({1, 1, 1}, {0.5f}), Const({1, 1, 1}, {2}),
                   Const({1, 2}, {0.25f, 0.25f})});
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{1, 3}));
}

TEST(RnnTest, ActivationAlphaIsConsumedInOrder) {
  // LeakyRelu with alpha 0.5: x = -2, W = 1: -1. Affine takes alpha 3, beta 1.
  RecurrentParams p;
  p.activations = {"LeakyRelu"};
  p.activation_alpha = {0.5f};
  auto out = RunRnn(p, {In({1, 1, 1}, {-2}), Const({1, 1, 1}, {1}), Const({1, 1, 1}, {0})});
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{-1}));
  p.activations = {"affine"};  // names are case-insensitive
  p.activation_alpha = {3};
  p.activation_beta = {1};
  out = RunRnn(p, {In({1, 1, 1}, {-2}), Const({1, 1, 1}, {1}), Const({1, 1, 1}, {0})});
  EXPECT_EQ(ToFloats(out[0]), (std::vector<float>{-5}));
}

TEST(RnnTest, Fp16TensorsAreComputedInFp32AndRounded) {
  auto half = [](Dims dims, std::vector<float> values) {
    Weights w(DataType::kFloat16, std::move(dims));
    for (size_t i = 0; i < values.size(); ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
    return OpInput{w, false};
  };
  auto out = RunOp(kRnnOp, ReluParams().ToAttrs(RecurrentKind::kRnn),
                   {half({2, 1, 1}, {1, 2}), half({1, 1, 1}, {0.5f}), half({1, 1, 1}, {2}),
                    half({1, 2}, {0.25f, 0.25f})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 3.5f}));
}

TEST(RnnTest, RejectsBadAttributesAndShapes) {
  auto reject = [](const std::string& layer, Dims x, const RecurrentParams& p, Dims w, Dims r,
                   const std::string& expected, DataType x_type = DataType::kFloat32) {
    testutil::ExpectLayerRejected(kRnnOp, layer, std::move(x), x_type,
                                  p.ToAttrs(RecurrentKind::kRnn), expected, {w, r});
  };
  RecurrentParams ok;
  reject("rank", {2, 1}, ok, {1, 1, 1}, {1, 1, 1}, "expected 3 dims");
  reject("int", {2, 1, 1}, ok, {1, 1, 1}, {1, 1, 1}, "int32", DataType::kInt32);
  reject("w", {2, 1, 3}, ok, {1, 1, 2}, {1, 1, 1}, "input W has dims 1x1x2; expected 1x1x3");
  RecurrentParams hidden;
  hidden.hidden_size = 4;
  reject("hidden", {2, 1, 1}, hidden, {1, 1, 1}, {1, 1, 1}, "hidden_size 4");
  RecurrentParams bi;
  bi.direction = RecurrentDirection::kBidirectional;
  reject("bi", {2, 1, 1}, bi, {1, 1, 1}, {1, 1, 1}, "expected 2x1x1");
  RecurrentParams acts;
  acts.activations = {"Tanh", "Tanh"};
  reject("acts", {2, 1, 1}, acts, {1, 1, 1}, {1, 1, 1}, "expected 1 (1 per direction");
  acts.activations = {"Swish"};
  reject("swish", {2, 1, 1}, acts, {1, 1, 1}, {1, 1, 1}, "unknown activation 'Swish'");
  RecurrentParams layout;
  layout.layout = 2;
  reject("layout", {2, 1, 1}, layout, {1, 1, 1}, {1, 1, 1}, "layout is 2");
  AttrMap bad_direction = ok.ToAttrs(RecurrentKind::kRnn);
  bad_direction.Set("direction", "sideways");
  testutil::ExpectLayerRejected(kRnnOp, "dir", {2, 1, 1}, DataType::kFloat32, bad_direction,
                                "direction is 'sideways'", {Dims{1, 1, 1}, Dims{1, 1, 1}});
  // sequence_lens must be integers, one per batch entry.
  testutil::ExpectLayerRejected(kRnnOp, "lens", {2, 1, 1}, DataType::kFloat32,
                                ok.ToAttrs(RecurrentKind::kRnn), "sequence_lens is fp32",
                                {Dims{1, 1, 1}, Dims{1, 1, 1}, std::nullopt, Dims{1}});
  testutil::ExpectLayerRejected(
      kRnnOp, "init", {2, 1, 1}, DataType::kFloat32, ok.ToAttrs(RecurrentKind::kRnn),
      "initial_h has dims 1x2x1",
      {Dims{1, 1, 1}, Dims{1, 1, 1}, std::nullopt, std::nullopt, Dims{1, 2, 1}});
}

}  // namespace
}  // namespace kiln
