#include "ops/concatenation.h"

#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using testutil::In;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;
using testutil::Typed;

std::vector<float> Concat(int axis, const std::vector<OpInput>& inputs, Dims expected_dims) {
  auto out = RunOp(kConcatenationOp, ConcatenationParams{axis}.ToAttrs(), inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims(), expected_dims);
  return ToFloats((*out)[0]);
}

std::string Message(const absl::StatusOr<TensorId>& s) {
  EXPECT_FALSE(s.ok()) << "expected an error";
  return std::string(s.status().message());
}

TEST(ConcatenationTest, HandCheckedAxes) {
  // A = [[1,2],[3,4]], B = [[5,6]]: stacking rows gives [[1,2],[3,4],[5,6]].
  EXPECT_EQ(Concat(0, {In({2, 2}, {1, 2, 3, 4}), In({1, 2}, {5, 6})}, {3, 2}),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // A with column C = [[7],[8]] appended: [[1,2,7],[3,4,8]]; -1 is the same
  // axis for rank 2, and 1 is the default.
  const std::vector<float> side_by_side = {1, 2, 7, 3, 4, 8};
  EXPECT_EQ(Concat(1, {In({2, 2}, {1, 2, 3, 4}), In({2, 1}, {7, 8})}, {2, 3}), side_by_side);
  EXPECT_EQ(Concat(-1, {In({2, 2}, {1, 2, 3, 4}), In({2, 1}, {7, 8})}, {2, 3}), side_by_side);
  auto by_default = RunOp(kConcatenationOp, AttrMap(),
                          {In({2, 2}, {1, 2, 3, 4}), In({2, 1}, {7, 8})});
  ASSERT_TRUE(by_default.ok()) << by_default.status();
  EXPECT_EQ(ToFloats((*by_default)[0]), side_by_side);
  // Rank 3 (1x2x2 and 1x2x1 and 1x2x2 on the last axis): each row of 5 is
  // row r of the three inputs in turn.
  EXPECT_EQ(Concat(2,
                   {In({1, 2, 2}, {1, 2, 3, 4}), In({1, 2, 1}, {9, 8}),
                    In({1, 2, 2}, {5, 6, 7, 0})},
                   {1, 2, 5}),
            (std::vector<float>{1, 2, 9, 5, 6, 3, 4, 8, 7, 0}));
  // A single input and an input empty along the axis are copies.
  EXPECT_EQ(Concat(1, {In({1, 3}, {1, 2, 3})}, {1, 3}), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(Concat(1, {In({1, 0}, {}), In({1, 2}, {4, 5})}, {1, 2}), (std::vector<float>{4, 5}));
}

TEST(ConcatenationTest, MovesAnyDtype) {
  auto out = RunOp(kConcatenationOp, ConcatenationParams{0}.ToAttrs(),
                   {Typed<int64_t>(DataType::kInt64, {1, 2}, {int64_t{1} << 40, -3}),
                    Typed<int64_t>(DataType::kInt64, {2, 2}, {5, 6, 7, INT64_MIN})});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ((*out)[0].dtype(), DataType::kInt64);
  const int64_t* v = (*out)[0].as<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(v, v + 6),
            (std::vector<int64_t>{int64_t{1} << 40, -3, 5, 6, 7, INT64_MIN}));

  auto flags = RunOp(kConcatenationOp, ConcatenationParams{1}.ToAttrs(),
                     {Typed<uint8_t>(DataType::kBool, {1, 2}, {1, 0}),
                      Typed<uint8_t>(DataType::kBool, {1, 1}, {1})});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(ToFloats((*flags)[0]), (std::vector<float>{1, 0, 1}));
}

TEST(ConcatenationTest, CopiesBitsExactly) {
  // Quiet NaN with a payload, a signalling NaN, -0.0, a denormal: a copy
  // through float arithmetic could quiet or flush some of these.
  const std::vector<uint32_t> a = {0x7fc12345u, 0xff800001u};
  const std::vector<uint32_t> b = {0x80000000u, 0x00000001u};
  auto out = RunOp(kConcatenationOp, ConcatenationParams{-1}.ToAttrs(),
                   {Typed<uint32_t>(DataType::kFloat32, {1, 2}, a),
                    Typed<uint32_t>(DataType::kFloat32, {1, 2}, b)});
  ASSERT_TRUE(out.ok()) << out.status();
  const uint32_t expected[] = {0x7fc12345u, 0xff800001u, 0x80000000u, 0x00000001u};
  EXPECT_EQ(std::memcmp((*out)[0].data(), expected, sizeof(expected)), 0);

  // fp16: NaN payload 0x7e01 and -0.0 (0x8000).
  auto half = RunOp(kConcatenationOp, ConcatenationParams{0}.ToAttrs(),
                    {Typed<uint16_t>(DataType::kFloat16, {1, 2}, {0x7e01, 0x8000}),
                     Typed<uint16_t>(DataType::kFloat16, {1, 2}, {0xfc01, 0x3c00})});
  ASSERT_TRUE(half.ok()) << half.status();
  ASSERT_EQ((*half)[0].dtype(), DataType::kFloat16);
  const uint16_t expected_half[] = {0x7e01, 0x8000, 0xfc01, 0x3c00};
  EXPECT_EQ(std::memcmp((*half)[0].data(), expected_half, sizeof(expected_half)), 0);
}

TEST(ConcatenationTest, TakesUpTo1024Inputs) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 2});
  auto ok = AddConcatenation(net, "cat_max", std::vector<TensorId>(1024, x), 1);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{1, 2048}));

  std::string too_many =
      Message(AddConcatenation(net, "cat_1025", std::vector<TensorId>(1025, x), 1));
  EXPECT_THAT(too_many, HasSubstr("cat_1025"));
  EXPECT_THAT(too_many, HasSubstr("1 to 1024 inputs, got 1025"));
  std::string none = Message(AddConcatenation(net, "cat_0", {}, 1));
  EXPECT_THAT(none, HasSubstr("got 0"));
}

TEST(ConcatenationTest, RejectsMismatchedInputs) {
  NetworkDefinition net;
  TensorId a = *net.AddInput("a", DataType::kFloat32, {1, 3, 4, 4});
  TensorId b = *net.AddInput("b", DataType::kFloat32, {1, 5, 4, 4});
  TensorId half = *net.AddInput("h", DataType::kFloat16, {1, 3, 4, 4});
  TensorId flat = *net.AddInput("flat", DataType::kFloat32, {1, 48});

  ASSERT_TRUE(AddConcatenation(net, "fine", {a, b}, 1).ok());

  std::string s = Message(AddConcatenation(net, "cat_dtype", {a, half}, 1));
  EXPECT_THAT(s, HasSubstr("layer 'cat_dtype' (Concatenation)"));
  EXPECT_THAT(s, HasSubstr("fp16"));
  EXPECT_THAT(s, HasSubstr("same type"));

  s = Message(AddConcatenation(net, "cat_rank", {a, flat}, 1));
  EXPECT_THAT(s, HasSubstr("cat_rank"));
  EXPECT_THAT(s, HasSubstr("rank 2"));

  s = Message(AddConcatenation(net, "cat_dims", {a, b}, 2));  // channels differ: 3 vs 5
  EXPECT_THAT(s, HasSubstr("cat_dims"));
  EXPECT_THAT(s, HasSubstr("1x5x4x4"));
  EXPECT_THAT(s, HasSubstr("in dim 1"));

  s = Message(AddConcatenation(net, "cat_axis", {a, a}, 4));
  EXPECT_THAT(s, HasSubstr("cat_axis"));
  EXPECT_THAT(s, HasSubstr("axis 4 is out of range for rank 4"));
  s = Message(AddConcatenation(net, "cat_neg_axis", {a, a}, -5));
  EXPECT_THAT(s, HasSubstr("axis -5"));

  s = Message(net.AddLayer1("cat_omitted", kConcatenationOp, {a, -1}, AttrMap()));
  EXPECT_THAT(s, HasSubstr("input 1 is omitted"));

  AttrMap bad_type;
  bad_type.Set("axis", "one");
  s = Message(net.AddLayer1("cat_attr", kConcatenationOp, {a}, bad_type));
  EXPECT_THAT(s, HasSubstr("cat_attr"));
  EXPECT_THAT(s, HasSubstr("'axis'"));

  auto scalar = RunOp(kConcatenationOp, AttrMap(), {In({}, {1})});
  ASSERT_FALSE(scalar.ok());
  EXPECT_THAT(std::string(scalar.status().message()), HasSubstr("scalar"));
}

}  // namespace
}  // namespace kiln
