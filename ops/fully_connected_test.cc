#include "ops/fully_connected.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Const;
using testutil::ExpectError;
using testutil::In;
using testutil::Omitted;
using testutil::RunOp;
using testutil::ToFloats;

constexpr char kDirect[] = "cpu_ref.fully_connected.direct";
constexpr char kGemm[] = "cpu_ref.fully_connected.gemm";

AttrMap Axis(int64_t axis) { return FullyConnectedParams{axis}.ToAttrs(); }

TEST(FullyConnectedTest, HandCheckedValuesOnBothTactics) {
  // x = [[1,2,3],[4,5,6]], W = [[1,0,-1],[.5,.5,.5]], b = [10,-1]:
  // row 0: 1-3+10 = 8, (1+2+3)/2-1 = 2; row 1: 4-6+10 = 8, (4+5+6)/2-1 = 6.5.
  for (const char* tactic : {kDirect, kGemm}) {
    SCOPED_TRACE(tactic);
    auto out = RunOp(kFullyConnectedOp, Axis(1),
                     {In({2, 3}, {1, 2, 3, 4, 5, 6}), Const({2, 3}, {1, 0, -1, .5f, .5f, .5f}),
                      Const({2}, {10, -1})},
                     tactic);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].dims(), (Dims{2, 2}));
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{8, 2, 8, 6.5f}));
  }
}

TEST(FullyConnectedTest, FlattensAtAxisAndBiasIsOptional) {
  // x is 1x2x2x1 = [1,2,3,4] flattened at axis 1 to 1x4; W = [[1,1,1,1],[1,-1,1,-1]]:
  // 1+2+3+4 = 10 and 1-2+3-4 = -2.
  for (const char* tactic : {kDirect, kGemm}) {
    SCOPED_TRACE(tactic);
    std::vector<testutil::OpInput> inputs;
    inputs.push_back(In({1, 2, 2, 1}, {1, 2, 3, 4}));
    inputs.push_back(Const({2, 4}, {1, 1, 1, 1, 1, -1, 1, -1}));
    inputs.push_back(Omitted());  // moved: copying an empty Weights crashes (types.cc)
    auto out = RunOp(kFullyConnectedOp, Axis(1), inputs, tactic);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].dims(), (Dims{1, 2}));
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{10, -2}));
  }
  // axis -1 on 1x2x2: each pair [a,b] -> a + 2b; pairs (1,2), (3,4) -> 5, 11.
  auto out =
      RunOp(kFullyConnectedOp, Axis(-1), {In({1, 2, 2}, {1, 2, 3, 4}), Const({1, 2}, {1, 2})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 2, 1}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{5, 11}));
}

TEST(FullyConnectedTest, Fp16ActivationsAndWeights) {
  Weights x(DataType::kFloat16, {1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(0.5f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(-1.5f);
  // [0.5, -1.5] . [2, 1] + 0.25 = -0.25; [0.5, -1.5] . [0, -2] = 3.
  for (const char* tactic : {kDirect, kGemm}) {
    SCOPED_TRACE(tactic);
    auto out = RunOp(kFullyConnectedOp, Axis(1),
                     {{x, false}, Const({2, 2}, {2, 1, 0, -2}), Const({2}, {0.25f, 0})}, tactic);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-0.25f, 3}));
  }
  // fp16 constant weights: the gemm tactic converts them to fp32 when packing.
  Weights w(DataType::kFloat16, {2, 2});
  const float w_values[] = {2, 1, 0, -2};
  for (int i = 0; i < 4; ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(w_values[i]);
  for (const char* tactic : {kDirect, kGemm}) {
    SCOPED_TRACE(tactic);
    auto out = RunOp(kFullyConnectedOp, Axis(1), {{x, false}, {w, true}}, tactic);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-0.5f, 3}));
  }
}

TEST(FullyConnectedTest, HelperAddsConstantsAndReshapesFlatWeights) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {4, 3, 2});
  auto y = AddFullyConnected(net, "fc", x, 5, Weights(DataType::kFloat32, {30}),
                             Weights(DataType::kFloat32, {1, 5}));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{4, 5}));
  EXPECT_EQ(net.desc(*net.FindTensor("fc.weight")).dims, (Dims{5, 6}));
  EXPECT_EQ(net.desc(*net.FindTensor("fc.bias")).dims, (Dims{5}));

  auto y2 = AddFullyConnected(net, "fc2", x, 7, Weights(DataType::kFloat32, {7, 2}), std::nullopt,
                              /*axis=*/2);
  ASSERT_TRUE(y2.ok()) << y2.status();
  EXPECT_EQ(net.desc(*y2).dims, (Dims{4, 3, 7}));
}

TEST(FullyConnectedTest, HelperRejectsBadWeights) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 6});
  ExpectError(AddFullyConnected(net, "fc1", x, 0, Weights(DataType::kFloat32, {6}), {}),
              {"fc1", "num_outputs must be positive"});
  ExpectError(AddFullyConnected(net, "fc2", x, 4, Weights(DataType::kFloat32, {3, 6}), {}),
              {"fc2", "do not start with num_outputs 4"});
  ExpectError(AddFullyConnected(net, "fc3", x, 4, Weights(DataType::kFloat32, {10}), {}),
              {"fc3", "not a multiple of num_outputs 4"});
  ExpectError(AddFullyConnected(net, "fc4", x, 2, Weights(DataType::kFloat32, {2, 6}),
                                Weights(DataType::kFloat32, {3})),
              {"fc4", "bias has 3 values"});
}

TEST(FullyConnectedTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4});
  TensorId xi = *net.AddInput("xi", DataType::kInt32, {2, 12});
  TensorId w12 = *net.AddConstant("w12", Weights(DataType::kFloat32, {5, 12}));
  TensorId w3d = *net.AddConstant("w3d", Weights(DataType::kFloat32, {5, 12, 1}));
  TensorId w7 = *net.AddConstant("w7", Weights(DataType::kFloat32, {5, 7}));
  TensorId b4 = *net.AddConstant("b4", Weights(DataType::kFloat32, {4}));

  ExpectError(net.AddLayer1("l1", kFullyConnectedOp, {x, -1}, Axis(1)),
              {"l1", "weight input (input 1) is required"});
  ExpectError(net.AddLayer1("l2", kFullyConnectedOp, {xi, w12}, Axis(1)), {"l2", "int32"});
  ExpectError(net.AddLayer1("l3", kFullyConnectedOp, {x, w12}, Axis(0)),
              {"l3", "axis 0 is out of range", "batch"});
  ExpectError(net.AddLayer1("l4", kFullyConnectedOp, {x, w12}, Axis(4)),
              {"l4", "axis 4 is out of range", "rank 3"});
  ExpectError(net.AddLayer1("l5", kFullyConnectedOp, {x, w3d}, Axis(1)),
              {"l5", "must be 2-D", "5x12x1"});
  ExpectError(net.AddLayer1("l6", kFullyConnectedOp, {x, w7}, Axis(1)),
              {"l6", "has 12 features", "expects 7"});
  ExpectError(net.AddLayer1("l7", kFullyConnectedOp, {x, w12, b4}, Axis(1)),
              {"l7", "bias 'b4' has dims 4", "expected 5"});
  AttrMap bad;
  bad.Set("axis", "one");
  ExpectError(net.AddLayer1("l8", kFullyConnectedOp, {x, w12}, bad), {"l8", "axis"});
  EXPECT_TRUE(net.AddLayer1("ok", kFullyConnectedOp, {x, w12, -1}, Axis(1)).ok());
}

TEST(FullyConnectedTest, GemmNeedsConstantWeights) {
  auto out = RunOp(kFullyConnectedOp, Axis(1), {In({1, 2}, {1, 2}), In({1, 2}, {3, 4})}, kGemm);
  ExpectError(out, {"needs constant weights", "input 1"});
  // The reference reads weights at run time: 1*3 + 2*4 = 11.
  auto ref = RunOp(kFullyConnectedOp, Axis(1), {In({1, 2}, {1, 2}), In({1, 2}, {3, 4})});
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ToFloats((*ref)[0]), (std::vector<float>{11}));
}

TEST(FullyConnectedTest, GemmMatchesReferenceOnRandomShapes) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> size(1, 37);
  for (int trial = 0; trial < 20; ++trial) {
    const Dims x_dims = {size(rng), size(rng), trial % 2 == 0 ? 1 : size(rng) % 5 + 1};
    const int64_t k_in = x_dims[1] * x_dims[2];
    const int64_t k_out = size(rng) * 3;
    SCOPED_TRACE(testing::Message() << "x " << DimsString(x_dims) << " k_out " << k_out);
    std::vector<testutil::OpInput> inputs;
    inputs.push_back({testutil::RandomFloats(x_dims, rng), false});
    inputs.push_back({testutil::RandomFloats({k_out, k_in}, rng), true});
    inputs.push_back(
        trial % 3 == 0 ? Omitted() : testutil::OpInput{testutil::RandomFloats({k_out}, rng), true});
    auto ref = RunOp(kFullyConnectedOp, Axis(1), inputs, kDirect);
    auto gemm = RunOp(kFullyConnectedOp, Axis(1), inputs, kGemm);
    ASSERT_TRUE(ref.ok()) << ref.status();
    ASSERT_TRUE(gemm.ok()) << gemm.status();
    const std::vector<float> a = ToFloats((*ref)[0]);
    const std::vector<float> b = ToFloats((*gemm)[0]);
    ASSERT_EQ(a.size(), b.size());
    double err2 = 0, ref2 = 0, max_abs = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      err2 += (a[i] - b[i]) * double(a[i] - b[i]);
      ref2 += a[i] * double(a[i]);
      max_abs = std::max(max_abs, std::fabs(double(a[i]) - b[i]));
    }
    std::printf("fc x=%s k_out=%lld: max abs error %.3g\n", DimsString(x_dims).c_str(),
                static_cast<long long>(k_out), max_abs);
    EXPECT_LE(std::sqrt(err2 / std::max(ref2, 1e-30)), 1e-5);
  }
}

TEST(FullyConnectedTest, FusedReluAppliesAfterTheBiasOnBothTactics) {
  // As HandCheckedValuesOnBothTactics with W row 1 negated and relu fused:
  // row 0: 8, relu(-3-1) = 0; row 1: 8, relu(-7.5-1) = 0; and a bias that
  // turns a negative product positive: (1-3) + 10 = 8 stays.
  FullyConnectedParams p;
  p.activation = ActivationType::kRelu;
  for (const char* tactic : {kDirect, kGemm}) {
    SCOPED_TRACE(tactic);
    auto out = RunOp(kFullyConnectedOp, p.ToAttrs(),
                     {In({2, 3}, {1, 2, 3, 4, 5, 6}), Const({2, 3}, {1, 0, -1, -.5f, -.5f, -.5f}),
                      Const({2}, {10, -1})},
                     tactic);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{8, 0, 8, 0}));
  }
}

TEST(FullyConnectedTest, FusedGeluIsTheErfFormAfterTheBiasOnBothTactics) {
  // y = x · w + b: 1·1 + 0 = 1, 1·1 - 3 = -2, 1·1 + 0.5 = 1.5, then
  // GELU(v) = v·Φ(v) = v·(1 + erf(v/√2))/2: Φ(1) = 0.841344746,
  // Φ(-2) = 0.022750132, Φ(1.5) = 0.933192799 (normal-table values).
  FullyConnectedParams p;
  p.activation = ActivationType::kGelu;
  for (const char* tactic : {kDirect, kGemm}) {
    SCOPED_TRACE(tactic);
    auto out =
        RunOp(kFullyConnectedOp, p.ToAttrs(),
              {In({1, 1}, {1}), Const({3, 1}, {1, 1, 1}), Const({3}, {0, -3, 0.5f})}, tactic);
    ASSERT_TRUE(out.ok()) << out.status();
    const std::vector<float> got = ToFloats((*out)[0]);
    const std::vector<float> want = {0.841344746f, -2 * 0.022750132f, 1.5f * 0.933192799f};
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
  }
}

TEST(FullyConnectedTest, FusedActivationRoundTripsAndIsOptional) {
  FullyConnectedParams p;
  p.axis = -1;
  p.activation = ActivationType::kRelu;
  const AttrMap attrs = p.ToAttrs();
  auto back = FullyConnectedParams::FromAttrs(attrs);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->axis, -1);
  EXPECT_EQ(back->activation, ActivationType::kRelu);
  EXPECT_EQ(back->ToAttrs(), attrs);
  // Absent means none, and none writes no attribute (plans stay as before).
  EXPECT_FALSE(FullyConnectedParams{}.ToAttrs().Has(kFusedActivationAttr));
  auto none = FullyConnectedParams::FromAttrs(FullyConnectedParams{}.ToAttrs());
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->activation.has_value());
}

TEST(FullyConnectedTest, RejectsActivationsThatCannotBeFused) {
  for (const char* type : {"sigmoid", "leaky_relu"}) {
    AttrMap attrs = Axis(1);
    attrs.Set(kFusedActivationAttr, type);
    testutil::ExpectLayerRejected(kFullyConnectedOp, "fc_bad", {2, 3}, DataType::kFloat32, attrs,
                                  "only relu, gelu and gelu_tanh can be fused", {Dims{4, 3}});
  }
  AttrMap unknown = Axis(1);
  unknown.Set(kFusedActivationAttr, "swish");
  testutil::ExpectLayerRejected(kFullyConnectedOp, "fc_unknown", {2, 3}, DataType::kFloat32,
                                unknown, "unknown activation type 'swish'", {Dims{4, 3}});
}

}  // namespace
}  // namespace kiln
