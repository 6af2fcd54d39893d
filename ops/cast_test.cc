#include "ops/cast.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

constexpr DataType kAllTypes[] = {DataType::kFloat32, DataType::kInt8,  DataType::kFloat16,
                                  DataType::kInt32,   DataType::kInt64, DataType::kBool};

template <typename T>
OpInput Typed(DataType dtype, const std::vector<T>& values) {
  return {Weights::FromBytes(dtype, {1, static_cast<int64_t>(values.size())}, values.data(),
                             values.size() * sizeof(T)),
          false};
}

// `values` stored as `dtype` (each must be exact in it).
OpInput Of(DataType dtype, const std::vector<float>& values) {
  Weights w(dtype, {1, static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) {
    switch (dtype) {
      case DataType::kFloat32: w.mutable_as<float>()[i] = values[i]; break;
      case DataType::kFloat16: w.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]); break;
      case DataType::kInt8: w.mutable_as<int8_t>()[i] = static_cast<int8_t>(values[i]); break;
      case DataType::kInt32: w.mutable_as<int32_t>()[i] = static_cast<int32_t>(values[i]); break;
      case DataType::kInt64: w.mutable_as<int64_t>()[i] = static_cast<int64_t>(values[i]); break;
      case DataType::kBool: w.mutable_as<uint8_t>()[i] = values[i] != 0; break;
    }
  }
  return {std::move(w), false};
}

Weights Cast(DataType to, const OpInput& input) {
  auto out = RunOp(kCastOp, CastParams{to}.ToAttrs(), {input});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return Weights();
  EXPECT_EQ((*out)[0].dtype(), to);
  EXPECT_EQ((*out)[0].dims(), input.value.dims());
  return std::move((*out)[0]);
}

template <typename T>
std::vector<T> Elements(const Weights& w) {
  return std::vector<T>(w.as<T>(), w.as<T>() + Volume(w.dims()));
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(CastTest, FloatToIntTruncatesTowardZeroAndSaturates) {
  // int8: 2.7 -> 2, -2.7 -> -2 (toward zero, not floor), 300 -> 127 and
  // -300 -> -128 (saturated), 127.9 -> 127, NaN -> 0.
  EXPECT_EQ(Elements<int8_t>(Cast(DataType::kInt8, Of(DataType::kFloat32,
                                                       {2.7f, -2.7f, 300, -300, 127.9f, kNaN}))),
            (std::vector<int8_t>{2, -2, 127, -128, 127, 0}));
  EXPECT_EQ(Elements<int32_t>(Cast(DataType::kInt32, Of(DataType::kFloat32,
                                                        {2.7f, -2.7f, 3e9f, -3e9f, kNaN}))),
            (std::vector<int32_t>{2, -2, INT32_MAX, INT32_MIN, 0}));
  // 2^62 is exact in float; 1e19 > 2^63 saturates.
  EXPECT_EQ(Elements<int64_t>(Cast(DataType::kInt64, Of(DataType::kFloat32,
                                                        {4611686018427387904.0f, 1e19f, -1e19f,
                                                         -0.9f}))),
            (std::vector<int64_t>{int64_t{1} << 62, INT64_MAX, INT64_MIN, 0}));
  // fp16 250.0 (0x5bd0) and -2.5 (0xc100) to int8: 127 and -2.
  EXPECT_EQ(Elements<int8_t>(Cast(DataType::kInt8,
                                  Typed<uint16_t>(DataType::kFloat16, {0x5bd0, 0xc100}))),
            (std::vector<int8_t>{127, -2}));
}

TEST(CastTest, NarrowingIntegersSaturate) {
  EXPECT_EQ(Elements<int8_t>(Cast(DataType::kInt8,
                                  Typed<int32_t>(DataType::kInt32, {300, -300, -5, 127}))),
            (std::vector<int8_t>{127, -128, -5, 127}));
  EXPECT_EQ(Elements<int32_t>(Cast(DataType::kInt32,
                                   Typed<int64_t>(DataType::kInt64,
                                                  {int64_t{1} << 40, -(int64_t{1} << 40), 42}))),
            (std::vector<int32_t>{INT32_MAX, INT32_MIN, 42}));
  EXPECT_EQ(Elements<int64_t>(Cast(DataType::kInt64, Typed<int8_t>(DataType::kInt8, {-128, 7}))),
            (std::vector<int64_t>{-128, 7}));
}

TEST(CastTest, ToAndFromBool) {
  // x != 0: -0.0 is false, NaN is true.
  EXPECT_EQ(Elements<uint8_t>(Cast(DataType::kBool,
                                   Of(DataType::kFloat32, {0.0f, -0.0f, 0.1f, kNaN, -3}))),
            (std::vector<uint8_t>{0, 0, 1, 1, 1}));
  EXPECT_EQ(Elements<uint8_t>(Cast(DataType::kBool,
                                   Typed<int64_t>(DataType::kInt64, {0, INT64_MIN, 1}))),
            (std::vector<uint8_t>{0, 1, 1}));
  // A bool byte other than 0/1 still reads as true: 0, 1, 1.
  const OpInput flags = Typed<uint8_t>(DataType::kBool, {0, 1, 2});
  EXPECT_EQ(Elements<float>(Cast(DataType::kFloat32, flags)), (std::vector<float>{0, 1, 1}));
  EXPECT_EQ(Elements<int32_t>(Cast(DataType::kInt32, flags)), (std::vector<int32_t>{0, 1, 1}));
  EXPECT_EQ(Elements<uint16_t>(Cast(DataType::kFloat16, flags)),
            (std::vector<uint16_t>{0x0000, 0x3c00, 0x3c00}));
}

TEST(CastTest, ToFloatRoundsToNearestEven) {
  // 2^24 + 1 is halfway between the floats 2^24 and 2^24 + 2: even wins.
  EXPECT_EQ(Elements<float>(Cast(DataType::kFloat32,
                                 Typed<int32_t>(DataType::kInt32, {16777217, -7}))),
            (std::vector<float>{16777216.0f, -7.0f}));
  // fp16 spacing is 2 above 2048: 2049 ties to 2048 (0x6800); 65504 is the
  // largest fp16 (0x7bff); 70000 overflows to +inf (0x7c00).
  EXPECT_EQ(Elements<uint16_t>(Cast(DataType::kFloat16,
                                    Typed<int32_t>(DataType::kInt32, {2049, 65504, 70000}))),
            (std::vector<uint16_t>{0x6800, 0x7bff, 0x7c00}));
  EXPECT_EQ(Elements<uint16_t>(Cast(DataType::kFloat16,
                                    Of(DataType::kFloat32, {1.0f, -0.5f, 65520.0f}))),
            (std::vector<uint16_t>{0x3c00, 0xb800, 0x7c00}));
  // fp16 0x3555 is 1365/4096 = 0.333251953125 exactly.
  EXPECT_EQ(Elements<float>(Cast(DataType::kFloat32,
                                 Typed<uint16_t>(DataType::kFloat16, {0x3555}))),
            (std::vector<float>{0.333251953125f}));
}

TEST(CastTest, EveryPairOfTypes) {
  // Values exact in every numeric type; from bool only 0 and 1 exist.
  const std::vector<float> numbers = {0, 1, 2, -3};
  for (DataType from : kAllTypes) {
    for (DataType to : kAllTypes) {
      SCOPED_TRACE(std::string(DataTypeName(from)) + " -> " + std::string(DataTypeName(to)));
      const std::vector<float> in =
          from == DataType::kBool ? std::vector<float>{0, 1, 1, 0} : numbers;
      std::vector<float> expected = in;
      if (to == DataType::kBool) {
        for (float& v : expected) v = v != 0 ? 1 : 0;
      }
      EXPECT_EQ(ToFloats(Cast(to, Of(from, in))), expected);
    }
  }
}

TEST(CastTest, SameTypeKeepsBits) {
  const std::vector<uint32_t> bits = {0x7fc12345u, 0xff800001u, 0x80000000u};
  Weights out = Cast(DataType::kFloat32, Typed<uint32_t>(DataType::kFloat32, bits));
  EXPECT_EQ(std::memcmp(out.data(), bits.data(), 12), 0);
  // -0.0 survives fp32 -> fp16 -> fp32.
  Weights half = Cast(DataType::kFloat16, Of(DataType::kFloat32, {-0.0f}));
  EXPECT_EQ(Elements<uint16_t>(half), (std::vector<uint16_t>{0x8000}));
  Weights back = Cast(DataType::kFloat32, {half, false});
  EXPECT_TRUE(std::signbit(Elements<float>(back)[0]));
}

TEST(CastTest, RejectsMissingOrUnknownTarget) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  auto ok = AddCast(net, "to_half", x, DataType::kFloat16);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dtype, DataType::kFloat16);
  EXPECT_EQ(net.desc(*ok).dims, (Dims{1, 4}));

  auto missing = net.AddLayer1("cast_missing", kCastOp, {x}, AttrMap());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("layer 'cast_missing' (Cast)"));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("'to' is required"));

  AttrMap unknown;
  unknown.Set("to", "fp64");
  auto bad = net.AddLayer1("cast_fp64", kCastOp, {x}, unknown);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("cast_fp64"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("unknown data type 'fp64'"));

  AttrMap wrong_type;
  wrong_type.Set("to", 1);
  auto wrong = net.AddLayer1("cast_int_attr", kCastOp, {x}, wrong_type);
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("cast_int_attr"));
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("'to'"));

  auto omitted = net.AddLayer1("cast_omitted", kCastOp, {-1}, CastParams{}.ToAttrs());
  ASSERT_FALSE(omitted.ok());
  EXPECT_THAT(std::string(omitted.status().message()), HasSubstr("omitted"));
}

}  // namespace
}  // namespace kiln
