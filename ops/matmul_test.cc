#include "ops/matmul.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

constexpr char kDirect[] = "cpu_ref.matmul.direct";
constexpr char kEigen[] = "cpu_ref.matmul.eigen";

AttrMap Flags(bool ta, bool tb) { return MatMulParams{ta, tb}.ToAttrs(); }

// Runs both tactics, checks they agree exactly on these small integer cases,
// and returns the output dims and values.
std::pair<Dims, std::vector<float>> MatMul(bool ta, bool tb, testutil::OpInput a,
                                           testutil::OpInput b) {
  std::pair<Dims, std::vector<float>> result;
  for (const char* tactic : {kDirect, kEigen}) {
    auto out = RunOp(kMatMulOp, Flags(ta, tb), {a, b}, tactic);
    EXPECT_TRUE(out.ok()) << tactic << ": " << out.status();
    if (!out.ok()) return {};
    if (std::string(tactic) == kDirect) {
      result = {(*out)[0].dims(), ToFloats((*out)[0])};
    } else {
      EXPECT_EQ(ToFloats((*out)[0]), result.second) << tactic;
    }
  }
  return result;
}

TEST(MatMulTest, HandCheckedValuesWithTransposes) {
  // [[1,2,3],[4,5,6]] x [[1,0],[0,1],[1,1]] = [[1+3, 2+3], [4+6, 5+6]].
  const std::vector<float> expected = {4, 5, 10, 11};
  const auto a = In({2, 3}, {1, 2, 3, 4, 5, 6});
  const auto a_t = In({3, 2}, {1, 4, 2, 5, 3, 6});
  const auto b = In({3, 2}, {1, 0, 0, 1, 1, 1});
  const auto b_t = In({2, 3}, {1, 0, 1, 0, 1, 1});
  for (auto [ta, tb] : {std::pair{false, false}, {true, false}, {false, true}, {true, true}}) {
    SCOPED_TRACE(testing::Message() << "transpose_a " << ta << " transpose_b " << tb);
    auto [dims, values] = MatMul(ta, tb, ta ? a_t : a, tb ? b_t : b);
    EXPECT_EQ(dims, (Dims{2, 2}));
    EXPECT_EQ(values, expected);
  }
}

TEST(MatMulTest, OneDimensionalOperandsArePromotedAndSqueezed) {
  // [1,2,3] x [[1,0],[0,1],[1,1]] = [4, 5].
  auto vm = MatMul(false, false, In({3}, {1, 2, 3}), In({3, 2}, {1, 0, 0, 1, 1, 1}));
  EXPECT_EQ(vm.first, (Dims{2}));
  EXPECT_EQ(vm.second, (std::vector<float>{4, 5}));
  // [[1,2,3],[4,5,6]] x [1,1,1] = [6, 15].
  auto mv = MatMul(false, false, In({2, 3}, {1, 2, 3, 4, 5, 6}), In({3}, {1, 1, 1}));
  EXPECT_EQ(mv.first, (Dims{2}));
  EXPECT_EQ(mv.second, (std::vector<float>{6, 15}));
  // [1,2,3] . [1,2,3] = 14, a scalar.
  auto vv = MatMul(false, false, In({3}, {1, 2, 3}), In({3}, {1, 2, 3}));
  EXPECT_EQ(vv.first, (Dims{}));
  EXPECT_EQ(vv.second, (std::vector<float>{14}));
  // Batched a (2,1,3) x 1-D b: each row summed -> (2,1).
  auto bv = MatMul(false, false, In({2, 1, 3}, {1, 2, 3, 4, 5, 6}), In({3}, {1, 1, 1}));
  EXPECT_EQ(bv.first, (Dims{2, 1}));
  EXPECT_EQ(bv.second, (std::vector<float>{6, 15}));
}

TEST(MatMulTest, BatchDimsBroadcast) {
  // a (2,1,1,2) holds rows [1,2], [3,4]; b (3,2,1) holds columns [1,0], [0,1], [1,1].
  // out[i][j] = row_i . col_j: [[1,2,3],[3,4,7]], dims (2,3,1,1).
  auto out =
      MatMul(false, false, In({2, 1, 1, 2}, {1, 2, 3, 4}), In({3, 2, 1}, {1, 0, 0, 1, 1, 1}));
  EXPECT_EQ(out.first, (Dims{2, 3, 1, 1}));
  EXPECT_EQ(out.second, (std::vector<float>{1, 2, 3, 3, 4, 7}));
  // One shared (2,2) b for a batch of two a matrices (the constant-weight case).
  auto shared = MatMul(false, false, In({2, 1, 2}, {1, 2, 3, 4}), In({2, 2}, {1, 1, 0, 1}));
  EXPECT_EQ(shared.first, (Dims{2, 1, 2}));
  EXPECT_EQ(shared.second, (std::vector<float>{1, 3, 3, 7}));
}

TEST(MatMulTest, Fp16Inputs) {
  Weights a(DataType::kFloat16, {1, 2});
  Weights b(DataType::kFloat16, {2, 1});
  a.mutable_as<uint16_t>()[0] = FloatToHalf(1.5f);
  a.mutable_as<uint16_t>()[1] = FloatToHalf(-0.25f);
  b.mutable_as<uint16_t>()[0] = FloatToHalf(2.0f);
  b.mutable_as<uint16_t>()[1] = FloatToHalf(4.0f);
  for (const char* tactic : {kDirect, kEigen}) {
    auto out = RunOp(kMatMulOp, Flags(false, false), {{a, false}, {b, false}}, tactic);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{2.0f}));  // 3 - 1
  }
}

TEST(MatMulTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId a = *net.AddInput("a", DataType::kFloat32, {2, 3, 4});
  TensorId b = *net.AddInput("b", DataType::kFloat32, {3, 4, 5});
  TensorId v = *net.AddInput("v", DataType::kFloat32, {4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {4, 5});
  TensorId s = *net.AddConstant("s", Weights(DataType::kFloat32, {}));
  ExpectError(AddMatMul(net, "m1", a, i), {"m1", "int32"});
  ExpectError(AddMatMul(net, "m2", s, v), {"m2", "scalar"});
  ExpectError(AddMatMul(net, "m3", v, b, {true, false}), {"m3", "transpose_a", "1-D"});
  ExpectError(AddMatMul(net, "m4", a, v, {false, true}), {"m4", "transpose_b", "1-D"});
  ExpectError(AddMatMul(net, "m5", a, b, {true, false}), {"m5", "has K = 3", "has K = 4"});
  ExpectError(AddMatMul(net, "m6", a, b), {"m6", "do not broadcast", "has 2 where b"});
  AttrMap bad;
  bad.Set("transpose_b", 2);
  ExpectError(net.AddLayer1("m7", kMatMulOp, {a, v}, bad), {"m7", "transpose_b must be 0 or 1"});
  auto ok = AddMatMul(net, "ok", a, v);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{2, 3}));
}

TEST(MatMulTest, EigenMatchesReferenceOnRandomShapes) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> size(1, 29);
  std::uniform_int_distribution<int> coin(0, 1);
  for (int trial = 0; trial < 24; ++trial) {
    const bool ta = coin(rng), tb = coin(rng);
    const int64_t m = size(rng), k = size(rng), n = size(rng);
    Dims a_dims = ta ? Dims{k, m} : Dims{m, k};
    Dims b_dims = tb ? Dims{n, k} : Dims{k, n};
    // Batch dims: none, shared, or broadcast against 1.
    const int64_t batch = size(rng) % 4 + 1;
    switch (trial % 4) {
      case 0: break;
      case 1: a_dims.insert(a_dims.begin(), batch); break;
      case 2:
        a_dims.insert(a_dims.begin(), {batch, 1});
        b_dims.insert(b_dims.begin(), 3);
        break;
      case 3:
        a_dims.insert(a_dims.begin(), batch);
        b_dims.insert(b_dims.begin(), batch);
        break;
    }
    SCOPED_TRACE(testing::Message() << "a " << DimsString(a_dims) << " b " << DimsString(b_dims)
                                    << " ta " << ta << " tb " << tb);
    std::vector<testutil::OpInput> inputs;
    inputs.push_back({testutil::RandomFloats(a_dims, rng), false});
    inputs.push_back({testutil::RandomFloats(b_dims, rng), trial % 2 == 0});
    auto ref = RunOp(kMatMulOp, Flags(ta, tb), inputs, kDirect);
    auto fast = RunOp(kMatMulOp, Flags(ta, tb), inputs, kEigen);
    ASSERT_TRUE(ref.ok()) << ref.status();
    ASSERT_TRUE(fast.ok()) << fast.status();
    const std::vector<float> x = ToFloats((*ref)[0]);
    const std::vector<float> y = ToFloats((*fast)[0]);
    ASSERT_EQ(x.size(), y.size());
    double err2 = 0, ref2 = 0, max_abs = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      err2 += (x[i] - y[i]) * double(x[i] - y[i]);
      ref2 += x[i] * double(x[i]);
      max_abs = std::max(max_abs, std::fabs(double(x[i]) - y[i]));
    }
    std::printf("matmul a=%s b=%s: max abs error %.3g\n", DimsString(a_dims).c_str(),
                DimsString(b_dims).c_str(), max_abs);
    EXPECT_LE(std::sqrt(err2 / std::max(ref2, 1e-30)), 1e-5);
  }
}

TEST(MatMulTest, FusedReluOnBothTactics) {
  // [[1, -2], [3, 4]] . [[1, 0], [1, -1]] = [[-1, 2], [7, -4]] -> relu.
  MatMulParams p;
  p.activation = ActivationType::kRelu;
  for (const char* tactic : {kDirect, kEigen}) {
    SCOPED_TRACE(tactic);
    auto out = RunOp(kMatMulOp, p.ToAttrs(),
                     {In({2, 2}, {1, -2, 3, 4}), In({2, 2}, {1, 0, 1, -1})}, tactic);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 2, 7, 0}));
  }
}

TEST(MatMulTest, FusedActivationRoundTripsAndRejectsOthers) {
  MatMulParams p{true, false, ActivationType::kRelu};
  const AttrMap attrs = p.ToAttrs();
  auto back = MatMulParams::FromAttrs(attrs);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->transpose_a);
  EXPECT_EQ(back->activation, ActivationType::kRelu);
  EXPECT_EQ(back->ToAttrs(), attrs);
  EXPECT_FALSE(MatMulParams{}.ToAttrs().Has(kFusedActivationAttr));

  NetworkDefinition net;
  TensorId a = *net.AddInput("a", DataType::kFloat32, {2, 3});
  TensorId b = *net.AddInput("b", DataType::kFloat32, {3, 4});
  for (const char* type : {"tanh", "sigmoid"}) {
    AttrMap bad = MatMulParams{}.ToAttrs();
    bad.Set(kFusedActivationAttr, type);
    ExpectError(
        net.AddLayer1("mm_bad", kMatMulOp, {a, b}, bad),
        {"'mm_bad'", "only relu, gelu and gelu_tanh can be fused", "separate Activation layer"});
  }
}

}  // namespace
}  // namespace kiln
