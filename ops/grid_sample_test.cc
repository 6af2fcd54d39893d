#include "ops/grid_sample.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

template <typename T>
void ExpectError(const absl::StatusOr<T>& s, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(s.ok()) << "expected an error containing '" << *parts.begin() << "'";
  for (const char* part : parts) {
    EXPECT_NE(s.status().message().find(part), std::string::npos)
        << "missing '" << part << "' in: " << s.status();
  }
}

std::vector<float> Sample(const GridSampleParams& p, OpInput x, OpInput grid, Dims expected) {
  std::vector<OpInput> inputs;
  inputs.push_back(std::move(x));
  inputs.push_back(std::move(grid));
  auto out = RunOp(kGridSampleOp, p.ToAttrs(), inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims(), expected);
  return ToFloats((*out)[0]);
}

TEST(GridSampleTest, CornersAndCentre2d) {
  // align_corners: (-1,-1) .. (1,1) are the corner pixels' centres; (0,0)
  // averages all four. grid lists (x, y).
  GridSampleParams p{"bilinear", "zeros", true};
  EXPECT_EQ(Sample(p, In({1, 1, 2, 2}, {1, 2, 3, 4}),
                   In({1, 1, 5, 2}, {-1, -1, 1, -1, -1, 1, 1, 1, 0, 0}), {1, 1, 1, 5}),
            (std::vector<float>{1, 2, 3, 4, 2.5f}));
}

TEST(GridSampleTest, PaddingModesAtTheEdge2d) {
  // Without align_corners -1 is the outer edge: position -0.5 on both axes,
  // halfway between pixel 0 and the pixel before it. zeros: 1/4 of x[0][0];
  // border and reflection both read pixel 0 for the one outside.
  std::vector<float> x = {1, 2, 3, 4};
  EXPECT_EQ(Sample({"linear", "zeros", false}, In({1, 1, 2, 2}, x), In({1, 1, 1, 2}, {-1, -1}),
                   {1, 1, 1, 1}),
            (std::vector<float>{0.25f}));
  EXPECT_EQ(Sample({"linear", "border", false}, In({1, 1, 2, 2}, x), In({1, 1, 1, 2}, {-1, -1}),
                   {1, 1, 1, 1}),
            (std::vector<float>{1}));
  EXPECT_EQ(Sample({"linear", "reflection", false}, In({1, 1, 2, 2}, x),
                   In({1, 1, 1, 2}, {-1, -1}), {1, 1, 1, 1}),
            (std::vector<float>{1}));
}

TEST(GridSampleTest, OutOfRange1d) {
  // 1-D, 3 pixels, align_corners: position = g + 1; g = 2 is position 3, one
  // past the end: zeros -> 0, border -> clamp to 2 (30), reflection about
  // the last centre -> 1 (20).
  std::vector<float> x = {10, 20, 30};
  EXPECT_EQ(Sample({"linear", "zeros", true}, In({1, 1, 3}, x), In({1, 1, 1}, {2}), {1, 1, 1}),
            (std::vector<float>{0}));
  EXPECT_EQ(Sample({"linear", "border", true}, In({1, 1, 3}, x), In({1, 1, 1}, {2}), {1, 1, 1}),
            (std::vector<float>{30}));
  EXPECT_EQ(
      Sample({"linear", "reflection", true}, In({1, 1, 3}, x), In({1, 1, 1}, {2}), {1, 1, 1}),
      (std::vector<float>{20}));
}

TEST(GridSampleTest, NearestRoundsHalfToEven) {
  // Positions 0.5, 1.5, 1 round to 0, 2, 1.
  EXPECT_EQ(Sample({"nearest", "zeros", true}, In({1, 1, 3}, {10, 20, 30}),
                   In({1, 3, 1}, {-0.5f, 0.5f, 0}), {1, 1, 3}),
            (std::vector<float>{10, 30, 20}));
}

TEST(GridSampleTest, Cubic) {
  // 5 pixels, align_corners: position = 2(g + 1). g = 0 hits pixel 2
  // exactly; g = 0.25 is position 2.5: taps 1..4 weigh K(1.5), K(.5), K(.5),
  // K(1.5) = -0.09375, 0.59375, ... so 8 * 0.59375 = 4.75.
  EXPECT_EQ(Sample({"bicubic", "zeros", true}, In({1, 1, 5}, {0, 0, 8, 0, 0}),
                   In({1, 2, 1}, {0, 0.25f}), {1, 1, 2}),
            (std::vector<float>{8, 4.75f}));
}

TEST(GridSampleTest, Fp16) {
  Weights x(DataType::kFloat16, {1, 1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(2.0f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(4.0f);
  Weights g(DataType::kFloat16, {1, 1, 1});
  g.mutable_as<uint16_t>()[0] = FloatToHalf(0.0f);
  auto out = RunOp(kGridSampleOp, GridSampleParams{"linear", "zeros", true}.ToAttrs(),
                   {{x, false}, {g, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{3}));
}

TEST(GridSampleTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4, 5});
  TensorId xi = *net.AddInput("xi", DataType::kInt32, {2, 3, 4, 5});
  TensorId x2 = *net.AddInput("x2", DataType::kFloat32, {2, 3});
  TensorId g = *net.AddInput("g", DataType::kFloat32, {2, 6, 7, 2});
  TensorId g3 = *net.AddInput("g3", DataType::kFloat32, {2, 6, 7, 3});
  TensorId g1 = *net.AddInput("g1", DataType::kFloat32, {1, 6, 7, 2});
  TensorId gr = *net.AddInput("gr", DataType::kFloat32, {2, 6, 2});
  ExpectError(AddGridSample(net, "s1", xi, g, {}), {"s1", "int32"});
  ExpectError(AddGridSample(net, "s2", x2, g, {}), {"s2", "at least one spatial dim"});
  ExpectError(AddGridSample(net, "s3", x, g3, {}), {"s3", "grid 'g3' has dims 2x6x7x3"});
  ExpectError(AddGridSample(net, "s4", x, g1, {}), {"s4", "grid 'g1'", "expected (2, O1..O2, 2)"});
  ExpectError(AddGridSample(net, "s5", x, gr, {}), {"s5", "grid 'gr' has dims 2x6x2"});
  ExpectError(AddGridSample(net, "s6", x, g, {"area", "zeros", false}), {"s6", "'mode' is 'area'"});
  ExpectError(AddGridSample(net, "s7", x, g, {"linear", "wrap", false}),
              {"s7", "'padding_mode' is 'wrap'"});
  ExpectError(net.AddLayer1("s8", kGridSampleOp, {x, -1}, {}), {"s8", "grid", "missing"});
  auto ok = AddGridSample(net, "ok", x, g, {});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{2, 3, 6, 7}));
}

}  // namespace
}  // namespace kiln
