#include "ops/padding.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;
using testutil::Typed;

PaddingParams Params(PaddingMode mode, std::vector<int64_t> pads, float value = 0.0f) {
  PaddingParams p;
  p.mode = mode;
  p.pads = std::move(pads);
  p.value = value;
  return p;
}

std::vector<float> Pad(const PaddingParams& p, Dims dims, std::vector<float> x,
                       Dims* out_dims = nullptr) {
  auto out = RunOp(kPaddingOp, p.ToAttrs(), {In(std::move(dims), std::move(x))});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  if (out_dims != nullptr) *out_dims = (*out)[0].dims();
  return ToFloats((*out)[0]);
}

template <typename T>
std::vector<T> Elements(const Weights& w) {
  std::vector<T> out(Volume(w.dims()));
  std::memcpy(out.data(), w.data(), w.bytes());
  return out;
}

TEST(PaddingTest, HandCheckedConstant) {
  // [[1,2,3],[4,5,6]] with one row of 9 above and two columns left, one right.
  Dims dims;
  EXPECT_EQ(Pad(Params(PaddingMode::kConstant, {0, 1, 2, 0, 0, 1}, 9), {1, 2, 3},
                {1, 2, 3, 4, 5, 6}, &dims),
            (std::vector<float>{9, 9, 9, 9, 9, 9,  //
                                9, 9, 1, 2, 3, 9,  //
                                9, 9, 4, 5, 6, 9}));
  EXPECT_EQ(dims, (Dims{1, 3, 6}));
  // Padding a middle dim (channels) of NCHW: whole planes of the value.
  EXPECT_EQ(
      Pad(Params(PaddingMode::kConstant, {0, 1, 0, 0, 0, 0, 0, 0}, 5), {1, 1, 1, 2}, {1, 2}, &dims),
      (std::vector<float>{5, 5, 1, 2}));
  EXPECT_EQ(dims, (Dims{1, 2, 1, 2}));
  // No pads at all copies.
  EXPECT_EQ(Pad(Params(PaddingMode::kConstant, {}), {2, 2}, {1, 2, 3, 4}),
            (std::vector<float>{1, 2, 3, 4}));
}

TEST(PaddingTest, HandCheckedReflectAndEdge) {
  // Reflect does not repeat the edge: 3 2 [1 2 3] 2 1.
  EXPECT_EQ(Pad(Params(PaddingMode::kReflect, {0, 2, 0, 2}), {1, 3}, {1, 2, 3}),
            (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  // Edge repeats it: 1 1 [1 2 3] 3.
  EXPECT_EQ(Pad(Params(PaddingMode::kEdge, {0, 2, 0, 1}), {1, 3}, {1, 2, 3}),
            (std::vector<float>{1, 1, 1, 2, 3, 3}));
  // 2-D reflect of 1..9 by one on every side: rows r1 r0 r1 r2 r1, each
  // reflected the same way (b a b c b).
  EXPECT_EQ(Pad(Params(PaddingMode::kReflect, {0, 1, 1, 0, 1, 1}), {1, 3, 3},
                {1, 2, 3, 4, 5, 6, 7, 8, 9}),
            (std::vector<float>{5, 4, 5, 6, 5,  //
                                2, 1, 2, 3, 2,  //
                                5, 4, 5, 6, 5,  //
                                8, 7, 8, 9, 8,  //
                                5, 4, 5, 6, 5}));
  // Two images: each row padded by its own edges.
  EXPECT_EQ(Pad(Params(PaddingMode::kEdge, {0, 1, 0, 1}), {2, 2}, {1, 2, 3, 4}),
            (std::vector<float>{1, 1, 2, 2, 3, 3, 4, 4}));
}

TEST(PaddingTest, HandCheckedNegativePadsCrop) {
  Dims dims;
  EXPECT_EQ(Pad(Params(PaddingMode::kConstant, {0, -1, 0, -2}), {1, 5}, {1, 2, 3, 4, 5}, &dims),
            (std::vector<float>{2, 3}));
  EXPECT_EQ(dims, (Dims{1, 2}));
  // Crop one at the front, pad two at the back.
  EXPECT_EQ(Pad(Params(PaddingMode::kConstant, {0, -1, 0, 2}), {1, 5}, {1, 2, 3, 4, 5}),
            (std::vector<float>{2, 3, 4, 5, 0, 0}));
  // Same with reflect on [1 2 3]: input positions 1, 2, then 3 -> 1, 4 -> 0.
  EXPECT_EQ(Pad(Params(PaddingMode::kReflect, {0, -1, 0, 2}), {1, 3}, {1, 2, 3}),
            (std::vector<float>{2, 3, 2, 1}));
  // Cropping all but one column of each image.
  EXPECT_EQ(Pad(Params(PaddingMode::kEdge, {0, -1, 0, -1}), {2, 3}, {1, 2, 3, 4, 5, 6}, &dims),
            (std::vector<float>{2, 5}));
  EXPECT_EQ(dims, (Dims{2, 1}));
}

TEST(PaddingTest, AnyDtypeIsCopiedBitExactly) {
  // int8 with a negative constant.
  auto out = RunOp(kPaddingOp, Params(PaddingMode::kConstant, {0, 1, 0, 1}, -7).ToAttrs(),
                   {Typed<int8_t>(DataType::kInt8, {1, 2}, {100, -100})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kInt8);
  EXPECT_EQ(Elements<int8_t>((*out)[0]), (std::vector<int8_t>{-7, 100, -100, -7}));

  // int64 values no float holds exactly survive edge padding.
  const int64_t big = (int64_t{1} << 62) + 1;
  out = RunOp(kPaddingOp, Params(PaddingMode::kEdge, {0, 1, 0, 0}).ToAttrs(),
              {Typed<int64_t>(DataType::kInt64, {1, 2}, {big, -big})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Elements<int64_t>((*out)[0]), (std::vector<int64_t>{big, big, -big}));

  // fp16 NaN payloads and -0 keep their bits under reflect.
  out = RunOp(kPaddingOp, Params(PaddingMode::kReflect, {0, 1, 0, 1}).ToAttrs(),
              {Typed<uint16_t>(DataType::kFloat16, {1, 3}, {0x7c01, 0x8000, 0x3c00})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(Elements<uint16_t>((*out)[0]),
            (std::vector<uint16_t>{0x8000, 0x7c01, 0x8000, 0x3c00, 0x8000}));

  // fp16 constant: 0.1 rounds to the nearest half (0x2e66).
  out = RunOp(kPaddingOp, Params(PaddingMode::kConstant, {0, 1, 0, 0}, 0.1f).ToAttrs(),
              {Typed<uint16_t>(DataType::kFloat16, {1, 1}, {0x3c00})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Elements<uint16_t>((*out)[0]), (std::vector<uint16_t>{0x2e66, 0x3c00}));

  // bool with value 1.
  out = RunOp(kPaddingOp, Params(PaddingMode::kConstant, {0, 0, 0, 2}, 1).ToAttrs(),
              {Typed<uint8_t>(DataType::kBool, {1, 1}, {0})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Elements<uint8_t>((*out)[0]), (std::vector<uint8_t>{0, 1, 1}));
}

// Random ranks, dims, modes and pads (crops included) against an
// element-by-element reading of the definition.
TEST(PaddingTest, RandomShapesMatchDefinition) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < 60; ++trial) {
    const int rank = pick(1, 4);
    const PaddingMode mode = static_cast<PaddingMode>(pick(0, 2));
    Dims dims(rank);
    std::vector<int64_t> pads(2 * rank, 0);
    for (int i = 0; i < rank; ++i) {
      dims[i] = pick(1, 5);
      if (i == 0) continue;  // the batch is never padded
      const int hi = mode == PaddingMode::kReflect ? static_cast<int>(dims[i]) - 1 : 3;
      pads[i] = pick(-static_cast<int>(dims[i]) / 2, hi);
      // At least one element of the dim stays.
      const int lo =
          std::max(-static_cast<int>(dims[i]) / 2, 1 - static_cast<int>(dims[i] + pads[i]));
      pads[rank + i] = pick(lo, hi);
    }
    const PaddingParams p = Params(mode, pads, static_cast<float>(pick(-9, 9)));
    SCOPED_TRACE(testing::Message() << "trial " << trial << " x " << DimsString(dims) << " "
                                    << p.ToAttrs().ToString());
    std::vector<int32_t> x(Volume(dims));
    for (auto& v : x) v = static_cast<int32_t>(rng());
    auto out = RunOp(kPaddingOp, p.ToAttrs(), {Typed<int32_t>(DataType::kInt32, dims, x)});
    ASSERT_TRUE(out.ok()) << out.status();
    const Dims& out_dims = (*out)[0].dims();
    const std::vector<int32_t> got = Elements<int32_t>((*out)[0]);
    for (int64_t flat = 0; flat < Volume(out_dims); ++flat) {
      int64_t rest = flat, src = 0, stride = 1;
      bool constant = false;
      for (int i = rank - 1; i >= 0; --i) {
        int64_t j = rest % out_dims[i] - pads[i];
        rest /= out_dims[i];
        if (j < 0 || j >= dims[i]) {
          if (mode == PaddingMode::kConstant) constant = true;
          if (mode == PaddingMode::kEdge) j = j < 0 ? 0 : dims[i] - 1;
          if (mode == PaddingMode::kReflect) j = j < 0 ? -j : 2 * dims[i] - 2 - j;
        }
        src += j * stride;
        stride *= dims[i];
      }
      const int32_t expected = constant ? static_cast<int32_t>(p.value) : x[src];
      ASSERT_EQ(got[flat], expected) << "output element " << flat;
    }
  }
}

TEST(PaddingTest, ShapeInferenceThroughNetworkDefinition) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {8, 3, 32, 30});
  auto y = AddPadding(net, "pad1", x, Params(PaddingMode::kReflect, {0, 0, 3, 2, 0, 0, 3, -4}));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{8, 3, 38, 28}));
}

void ExpectRejected(const std::string& layer, Dims dims, DataType dtype, const AttrMap& attrs,
                    const std::string& expected) {
  testutil::ExpectLayerRejected(kPaddingOp, layer, std::move(dims), dtype, attrs, expected);
}

TEST(PaddingTest, RejectsBadLayers) {
  const DataType f32 = DataType::kFloat32;
  ExpectRejected("pad_len", {1, 3, 4}, f32, Params(PaddingMode::kConstant, {0, 1, 0, 1}).ToAttrs(),
                 "'pads' has 4 values [0,1,0,1]; expected 6");
  ExpectRejected("pad_batch", {1, 3}, f32, Params(PaddingMode::kConstant, {1, 0, 0, 0}).ToAttrs(),
                 "pad or crop dim 0, the batch");
  ExpectRejected("pad_reflect", {1, 3, 3}, f32,
                 Params(PaddingMode::kReflect, {0, 0, 3, 0, 0, 0}).ToAttrs(),
                 "reflect pads 3 and 0 of dim 2 must be smaller than its size 3");
  ExpectRejected("pad_reflect_end", {1, 1}, f32,
                 Params(PaddingMode::kReflect, {0, 0, 0, 1}).ToAttrs(),
                 "reflect pads 0 and 1 of dim 1 must be smaller than its size 1");
  ExpectRejected("pad_negative", {1, 3}, f32,
                 Params(PaddingMode::kConstant, {0, -2, 0, -2}).ToAttrs(),
                 "crop dim 1 of size 3 to -1");
  ExpectRejected("pad_empty", {1, 3}, f32, Params(PaddingMode::kConstant, {0, -1, 0, -2}).ToAttrs(),
                 "crop dim 1 of size 3 to 0");
  ExpectRejected("pad_int8", {1, 3}, DataType::kInt8,
                 Params(PaddingMode::kConstant, {0, 1, 0, 1}, 300).ToAttrs(),
                 "padding value 300 is not representable in int8");
  ExpectRejected("pad_frac", {1, 3}, DataType::kInt32,
                 Params(PaddingMode::kConstant, {0, 1, 0, 1}, 0.5f).ToAttrs(),
                 "padding value 0.5 is not representable in int32");
  AttrMap attrs = Params(PaddingMode::kConstant, {0, 1, 0, 1}).ToAttrs();
  attrs.Set("mode", "wrap");
  ExpectRejected("pad_mode", {1, 3}, f32, attrs,
                 "unknown padding mode 'wrap'; expected constant, reflect or edge");
}

// Tensors NetworkDefinition never makes (empty dims, scalars), straight
// through the op's shape inference.
TEST(PaddingTest, RejectsScalarsAndPaddingEmptyDims) {
  auto edge =
      testutil::MakeNodeContext(kPaddingOp, Params(PaddingMode::kEdge, {0, 1, 0, 0}).ToAttrs(),
                                {OpInput{Weights(DataType::kFloat32, {1, 0}), false}});
  ASSERT_FALSE(edge.ok());
  EXPECT_NE(edge.status().message().find("dim 1, which is empty, has no edge to repeat"),
            std::string::npos)
      << edge.status();
  auto reflect =
      testutil::MakeNodeContext(kPaddingOp, Params(PaddingMode::kReflect, {0, 0, 0, 1}).ToAttrs(),
                                {OpInput{Weights(DataType::kFloat32, {1, 0}), false}});
  ASSERT_FALSE(reflect.ok());
  EXPECT_NE(reflect.status().message().find("must be smaller than its size 0"), std::string::npos)
      << reflect.status();
  auto scalar = testutil::MakeNodeContext(kPaddingOp, Params(PaddingMode::kConstant, {}).ToAttrs(),
                                          {OpInput{Weights(DataType::kFloat32, {}), false}});
  ASSERT_FALSE(scalar.ok());
  EXPECT_NE(scalar.status().message().find("is a scalar; padding needs dims"), std::string::npos)
      << scalar.status();
}

}  // namespace
}  // namespace kiln
