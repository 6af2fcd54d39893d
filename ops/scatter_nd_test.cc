#include "ops/scatter_nd.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;
using testutil::Typed;

std::vector<float> Scatter(const std::string& reduction, testutil::OpInput data,
                           testutil::OpInput indices, testutil::OpInput updates) {
  ScatterNDParams p;
  p.reduction = reduction;
  auto out =
      RunOp(kScatterNDOp, p.ToAttrs(), {std::move(data), std::move(indices), std::move(updates)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(ScatterNDTest, OnnxExamples) {
  // ONNX's 1-D example: data 1..8, tuples 4, 3, 1, 7 get 9, 10, 11, 12.
  auto v =
      Scatter("none", In({8}, {1, 2, 3, 4, 5, 6, 7, 8}),
              Typed<int64_t>(DataType::kInt64, {4, 1}, {4, 3, 1, 7}), In({4}, {9, 10, 11, 12}));
  EXPECT_EQ(v, (std::vector<float>{1, 11, 3, 10, 9, 6, 7, 12}));
  // Slices: data 3x2 = 0..5, tuple (2) replaces row 2 by [7, 8], tuple (0)
  // row 0 by [5, 6] -> [5,6, 2,3, 7,8].
  v = Scatter("none", In({3, 2}, testutil::Iota(6)),
              Typed<int32_t>(DataType::kInt32, {2, 1}, {2, 0}), In({2, 2}, {7, 8, 5, 6}));
  EXPECT_EQ(v, (std::vector<float>{5, 6, 2, 3, 7, 8}));
  // Full tuples (k = rank) with a negative index: (-1, 0) is element [2][0] = 4.
  v = Scatter("none", In({3, 2}, testutil::Iota(6)),
              Typed<int64_t>(DataType::kInt64, {1, 2}, {-1, 0}), In({1}, {40}));
  EXPECT_EQ(v, (std::vector<float>{0, 1, 2, 3, 40, 5}));
}

TEST(ScatterNDTest, ReductionsWithDuplicates) {
  // data [1,2,3,4], tuple (1) twice with updates 10 and 20.
  auto run = [](const std::string& r, std::vector<float> updates) {
    return Scatter(r, In({4}, {1, 2, 3, 4}), Typed<int64_t>(DataType::kInt64, {2, 1}, {1, 1}),
                   In({2}, std::move(updates)));
  };
  EXPECT_EQ(run("none", {10, 20}), (std::vector<float>{1, 20, 3, 4}));  // last wins
  EXPECT_EQ(run("add", {10, 20}), (std::vector<float>{1, 32, 3, 4}));   // 2 + 10 + 20
  EXPECT_EQ(run("mul", {10, 20}), (std::vector<float>{1, 400, 3, 4}));  // 2 * 10 * 20
  EXPECT_EQ(run("max", {10, 0}), (std::vector<float>{1, 10, 3, 4}));    // max(2, 10, 0)
  EXPECT_EQ(run("min", {10, 0}), (std::vector<float>{1, 0, 3, 4}));     // min(2, 10, 0)
  // int8 add wraps: 100 + 100 = 200 -> -56.
  auto v = Scatter("add", Typed<int8_t>(DataType::kInt8, {2}, {100, 1}),
                   Typed<int64_t>(DataType::kInt64, {1, 1}, {0}),
                   Typed<int8_t>(DataType::kInt8, {1}, {100}));
  EXPECT_EQ(v, (std::vector<float>{-56, 1}));
}

TEST(ScatterNDTest, Fp16Add) {
  // 1.5 + 0.25 = 1.75 exactly in fp16.
  auto v = Scatter("add",
                   Typed<uint16_t>(DataType::kFloat16, {2}, {FloatToHalf(1.5f), FloatToHalf(3.0f)}),
                   Typed<int64_t>(DataType::kInt64, {1, 1}, {0}),
                   Typed<uint16_t>(DataType::kFloat16, {1}, {FloatToHalf(0.25f)}));
  EXPECT_EQ(v, (std::vector<float>{1.75f, 3.0f}));
}

TEST(ScatterNDTest, OutOfRangeIndexIsAnErrorFromRun) {
  auto out =
      RunOp(kScatterNDOp, ScatterNDParams{}.ToAttrs(),
            {In({3}, {1, 2, 3}), Typed<int64_t>(DataType::kInt64, {1, 1}, {-4}), In({1}, {9})});
  ExpectError(out, {"index -4", "-3..2"});
}

TEST(ScatterNDTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId xb = *net.AddInput("xb", DataType::kBool, {2, 3});
  TensorId i = *net.AddInput("i", DataType::kInt64, {2, 1});
  TensorId fi = *net.AddInput("fi", DataType::kFloat32, {2, 1});
  TensorId wide = *net.AddInput("wide", DataType::kInt64, {2, 3});
  TensorId scalar = *net.AddConstant("scalar", Weights(DataType::kInt64, Dims{}));
  TensorId u = *net.AddInput("u", DataType::kFloat32, {2, 3});
  TensorId ub = *net.AddInput("ub", DataType::kBool, {2, 3});
  TensorId ui = *net.AddInput("ui", DataType::kInt32, {2, 3});
  TensorId bad = *net.AddInput("bad", DataType::kFloat32, {2, 2});
  ScatterNDParams none, add;
  add.reduction = "add";
  ExpectError(AddScatterND(net, "s1", x, fi, u, none), {"'s1'", "int32 or int64"});
  ExpectError(AddScatterND(net, "s2", x, i, ui, none), {"'s2'", "int32", "fp32"});
  ExpectError(AddScatterND(net, "s3", xb, i, ub, add), {"'s3'", "'add'", "bool"});
  ExpectError(AddScatterND(net, "s4", x, scalar, u, none), {"'s4'", "rank >= 1"});
  ExpectError(AddScatterND(net, "s5", x, wide, u, none), {"'s5'", "last dim 3", "1..2"});
  ExpectError(AddScatterND(net, "s6", x, i, bad, none), {"'s6'", "2x2", "expected 2x3"});
  ScatterNDParams odd;
  odd.reduction = "avg";
  ExpectError(AddScatterND(net, "s7", x, i, u, odd), {"'s7'", "unknown reduction 'avg'"});
  EXPECT_TRUE(AddScatterND(net, "s8", xb, i, ub, none).ok());
}

}  // namespace
}  // namespace kiln
