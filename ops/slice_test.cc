#include "ops/slice.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using testutil::In;
using testutil::Iota;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;
using testutil::Typed;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

std::vector<float> Slice(const SliceParams& params, const OpInput& input, Dims expected_dims) {
  auto out = RunOp(kSliceOp, params.ToAttrs(), {input});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims(), expected_dims);
  return ToFloats((*out)[0]);
}

// Slices the vector 0..9 (dims {10}) along axis 0.
std::vector<float> SliceTen(int64_t start, int64_t end, int64_t step, Dims expected_dims) {
  return Slice(SliceParams{{start}, {end}, {}, {step}}, In({10}, Iota(10)), expected_dims);
}

std::string ErrorOf(NetworkDefinition& net, absl::string_view layer, TensorId input,
                    const AttrMap& attrs) {
  auto s = net.AddLayer1(layer, kSliceOp, {input}, attrs);
  EXPECT_FALSE(s.ok()) << layer << " was accepted";
  const std::string message(s.status().message());
  EXPECT_THAT(message, HasSubstr(absl::StrCat("layer '", layer, "' (Slice)")));
  return message;
}

TEST(SliceTest, OneAxisByHand) {
  using V = std::vector<float>;
  EXPECT_EQ(SliceTen(2, 7, 1, {5}), (V{2, 3, 4, 5, 6}));
  EXPECT_EQ(SliceTen(2, 7, 2, {3}), (V{2, 4, 6}));      // 2, 4, 6 (8 >= 7)
  EXPECT_EQ(SliceTen(2, 8, 3, {2}), (V{2, 5}));         // ceil(6/3) = 2
  EXPECT_EQ(SliceTen(-3, kMax, 1, {3}), (V{7, 8, 9}));  // -3 is 7
  EXPECT_EQ(SliceTen(-100, 100, 4, {3}), (V{0, 4, 8}));  // clamped to [0, 10]
  EXPECT_EQ(SliceTen(5, 2, 1, {0}), V{});                 // empty
  EXPECT_EQ(SliceTen(12, 20, 1, {0}), V{});               // starts past the end
  // Negative steps walk down from start to just above end.
  EXPECT_EQ(SliceTen(7, 2, -2, {3}), (V{7, 5, 3}));
  EXPECT_EQ(SliceTen(-1, kMin, -1, {10}), (V{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(SliceTen(100, -100, -3, {4}), (V{9, 6, 3, 0}));  // start clamped to 9, end to -1
  EXPECT_EQ(SliceTen(3, -1, -1, {0}), V{});  // end -1 means index 9, above start
  EXPECT_EQ(SliceTen(2, 5, -1, {0}), V{});
  // Steps too large to take twice read one element without overflowing.
  EXPECT_EQ(SliceTen(4, kMax, kMax, {1}), (V{4}));
  EXPECT_EQ(SliceTen(6, kMin, kMin, {1}), (V{6}));
}

TEST(SliceTest, SeveralAxes) {
  // The 3x4 matrix [[0,1,2,3],[4,5,6,7],[8,9,10,11]].
  // Columns 1..2 of every row.
  EXPECT_EQ(Slice(SliceParams{{1}, {3}, {1}, {}}, In({3, 4}, Iota(12)), {3, 2}),
            (std::vector<float>{1, 2, 5, 6, 9, 10}));
  // Rows 0 and 2 (step 2 on axis 0), each reversed (axis -1, step -1).
  EXPECT_EQ(Slice(SliceParams{{-1, 0}, {kMin, 3}, {-1, 0}, {-1, 2}}, In({3, 4}, Iota(12)), {2, 4}),
            (std::vector<float>{3, 2, 1, 0, 11, 10, 9, 8}));
  // Default axes are 0..n-1: rows 1.., columns ..2.
  EXPECT_EQ(Slice(SliceParams{{1, 0}, {kMax, 2}, {}, {}}, In({3, 4}, Iota(12)), {2, 2}),
            (std::vector<float>{4, 5, 8, 9}));
  // No ranges at all: a copy.
  EXPECT_EQ(Slice(SliceParams{}, In({3, 4}, Iota(12)), {3, 4}), Iota(12));
  // Rank 3, middle axis reversed: in[b][r][c] = 6b + 2r + c, 2x3x2.
  EXPECT_EQ(Slice(SliceParams{{kMax}, {kMin}, {1}, {-1}}, In({2, 3, 2}, Iota(12)), {2, 3, 2}),
            (std::vector<float>{4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7}));
}

TEST(SliceTest, BatchAxisRangesFollowTheBatch) {
  // "The last two batch items" at batch 3 and at batch 4.
  const SliceParams last_two{{-2}, {kMax}, {0}, {}};
  EXPECT_EQ(Slice(last_two, In({3, 2}, Iota(6)), {2, 2}), (std::vector<float>{2, 3, 4, 5}));
  EXPECT_EQ(Slice(last_two, In({4, 2}, Iota(8)), {2, 2}), (std::vector<float>{4, 5, 6, 7}));
}

TEST(SliceTest, MovesBitsExactly) {
  const std::vector<uint32_t> f32 = {0x7fc12345u, 0x80000000u, 0xff800001u, 0x00000001u};
  auto out = RunOp(kSliceOp, SliceParams{{kMax}, {kMin}, {1}, {-1}}.ToAttrs(),
                   {Typed(DataType::kFloat32, {1, 4}, f32)});
  ASSERT_TRUE(out.ok()) << out.status();
  const uint32_t reversed[] = {0x00000001u, 0xff800001u, 0x80000000u, 0x7fc12345u};
  EXPECT_EQ(std::memcmp((*out)[0].data(), reversed, sizeof(reversed)), 0);

  const std::vector<uint16_t> f16 = {0x7e01, 0x8000, 0x3c00};
  out = RunOp(kSliceOp, SliceParams{{0}, {2}, {1}, {}}.ToAttrs(),
              {Typed(DataType::kFloat16, {1, 3}, f16)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(std::memcmp((*out)[0].data(), f16.data(), 4), 0);

  const std::vector<int64_t> i64 = {INT64_MIN, 1, INT64_MAX};
  out = RunOp(kSliceOp, SliceParams{{2}, {kMin}, {1}, {-2}}.ToAttrs(),
              {Typed(DataType::kInt64, {1, 3}, i64)});
  ASSERT_TRUE(out.ok()) << out.status();
  const int64_t ends[] = {INT64_MAX, INT64_MIN};
  EXPECT_EQ(std::memcmp((*out)[0].data(), ends, sizeof(ends)), 0);

  const std::vector<int8_t> i8 = {-128, 5, 127};
  out = RunOp(kSliceOp, SliceParams{{1}, {3}, {1}, {}}.ToAttrs(),
              {Typed(DataType::kInt8, {1, 3}, i8)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{5, 127}));
}

TEST(SliceTest, AddSliceInfersDims) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 8, 6, 6});
  auto y = AddSlice(net, "crop", x, SliceParams{{1, 1}, {-1, -1}, {2, 3}, {}});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{1, 8, 4, 4}));
}

TEST(SliceTest, RejectsBadRanges) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  AttrMap no_ends;
  no_ends.Set("starts", std::vector<int64_t>{0});
  EXPECT_THAT(ErrorOf(net, "no_ends", x, no_ends), HasSubstr("'starts' and 'ends' are required"));
  EXPECT_THAT(ErrorOf(net, "lengths", x, SliceParams{{0, 1}, {1}, {}, {}}.ToAttrs()),
              HasSubstr("starts [0,1] has 2 entries but ends [1] has 1"));
  EXPECT_THAT(ErrorOf(net, "axes_len", x, SliceParams{{0}, {1}, {0, 1}, {}}.ToAttrs()),
              HasSubstr("axes [0,1] has 2 entries, starts has 1"));
  EXPECT_THAT(ErrorOf(net, "steps_len", x, SliceParams{{0}, {1}, {}, {1, 1}}.ToAttrs()),
              HasSubstr("steps [1,1] has 2 entries, starts has 1"));
  EXPECT_THAT(ErrorOf(net, "axis_range", x, SliceParams{{0}, {1}, {2}, {}}.ToAttrs()),
              HasSubstr("entry 0 is 2, outside -2..1"));
  EXPECT_THAT(ErrorOf(net, "axis_neg", x, SliceParams{{0}, {1}, {-3}, {}}.ToAttrs()),
              HasSubstr("is -3"));
  EXPECT_THAT(ErrorOf(net, "axis_twice", x, SliceParams{{0, 0}, {1, 1}, {1, -1}, {}}.ToAttrs()),
              HasSubstr("names axis 1 twice"));
  EXPECT_THAT(ErrorOf(net, "step_zero", x, SliceParams{{0}, {1}, {}, {0}}.ToAttrs()),
              HasSubstr("steps must be nonzero"));
  AttrMap float_starts;
  float_starts.Set("starts", std::vector<float>{0.0f});
  float_starts.Set("ends", std::vector<int64_t>{1});
  EXPECT_THAT(ErrorOf(net, "float_starts", x, float_starts), HasSubstr("'starts'"));
}

}  // namespace
}  // namespace kiln
