#include "ops/bit_shift.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::RunOp;
using testutil::Typed;

template <typename T>
std::vector<T> Shift(bool left, int64_t width, DataType dtype, Dims x_dims, std::vector<T> x,
                     Dims y_dims, std::vector<T> y) {
  BitShiftParams p;
  p.left = left;
  p.width = width;
  auto out = RunOp(kBitShiftOp, p.ToAttrs(),
                   {Typed<T>(dtype, std::move(x_dims), x), Typed<T>(dtype, std::move(y_dims), y)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  const T* data = (*out)[0].template as<T>();
  return std::vector<T>(data, data + (*out)[0].bytes() / sizeof(T));
}

TEST(BitShiftTest, OnnxExamples) {
  // test_bitshift_left_uint8: [16, 4, 1] << [1, 2, 3] = [32, 16, 8].
  EXPECT_EQ(Shift<int32_t>(true, 8, DataType::kInt32, {3}, {16, 4, 1}, {3}, {1, 2, 3}),
            (std::vector<int32_t>{32, 16, 8}));
  // test_bitshift_right_uint64: [16, 4, 1] >> [1, 2, 3] = [8, 1, 0].
  EXPECT_EQ(Shift<int64_t>(false, 64, DataType::kInt64, {3}, {16, 4, 1}, {3}, {1, 2, 3}),
            (std::vector<int64_t>{8, 1, 0}));
}

TEST(BitShiftTest, WrapsLikeTheUnsignedType) {
  // uint8: 200 << 1 = 400 = 0x190 -> 0x90 = 144; 1 << 8 and 1 << 9 are 0;
  // uint16: 0x8001 << 1 = 0x10002 -> 2.
  EXPECT_EQ(Shift<int32_t>(true, 8, DataType::kInt32, {3}, {200, 1, 1}, {3}, {1, 8, 9}),
            (std::vector<int32_t>{144, 0, 0}));
  EXPECT_EQ(Shift<int32_t>(true, 16, DataType::kInt32, {1}, {0x8001}, {1}, {1}),
            (std::vector<int32_t>{2}));
  // uint32 as int64: 0xFFFFFFFF << 4 = 0xFFFFFFFF0 -> 0xFFFFFFF0.
  EXPECT_EQ(Shift<int64_t>(true, 32, DataType::kInt64, {1}, {0xFFFFFFFFLL}, {1}, {4}),
            (std::vector<int64_t>{0xFFFFFFF0LL}));
  // uint64 bit pattern of -1 (all ones) >> 60 = 15: a logical, not arithmetic, shift.
  EXPECT_EQ(Shift<int64_t>(false, 64, DataType::kInt64, {1}, {-1}, {1}, {60}),
            (std::vector<int64_t>{15}));
}

TEST(BitShiftTest, Broadcasts) {
  // x 2x2 = [[1, 2], [3, 4]] << y [1] (right-aligned, broadcast) = [[2, 4], [6, 8]];
  // << y [[0], [2]] per row = [[1, 2], [12, 16]].
  EXPECT_EQ(Shift<int32_t>(true, 8, DataType::kInt32, {2, 2}, {1, 2, 3, 4}, {1}, {1}),
            (std::vector<int32_t>{2, 4, 6, 8}));
  EXPECT_EQ(Shift<int32_t>(true, 8, DataType::kInt32, {2, 2}, {1, 2, 3, 4}, {2, 1}, {0, 2}),
            (std::vector<int32_t>{1, 2, 12, 16}));
}

TEST(BitShiftTest, Errors) {
  NetworkDefinition net;
  TensorId f = *net.AddInput("f", DataType::kFloat32, {2, 3});
  TensorId i32 = *net.AddInput("i32", DataType::kInt32, {2, 3});
  TensorId i64 = *net.AddInput("i64", DataType::kInt64, {2, 3});
  TensorId wide = *net.AddInput("wide", DataType::kInt32, {2, 4});
  BitShiftParams p;
  ExpectError(AddBitShift(net, "b1", f, f, p), {"'b1'", "fp32", "int32 or int64"});
  ExpectError(AddBitShift(net, "b2", i32, i64, p), {"'b2'", "int64", "same type"});
  ExpectError(AddBitShift(net, "b3", i32, wide, p), {"'b3'", "2x3", "2x4"});
  BitShiftParams w64;
  w64.width = 64;
  ExpectError(AddBitShift(net, "b4", i32, i32, w64), {"'b4'", "width 64", "int32"});
  EXPECT_TRUE(AddBitShift(net, "b5", i64, i64, w64).ok());
  AttrMap bad_width = p.ToAttrs();
  bad_width.Set("width", int64_t{12});
  ExpectError(net.AddLayer1("b6", kBitShiftOp, {i32, i32}, bad_width),
              {"'b6'", "'width' is 12", "8, 16, 32 or 64"});
  AttrMap bad_direction = p.ToAttrs();
  bad_direction.Set("direction", "up");
  ExpectError(net.AddLayer1("b7", kBitShiftOp, {i32, i32}, bad_direction),
              {"'b7'", "'direction' is 'up'"});
}

}  // namespace
}  // namespace kiln
