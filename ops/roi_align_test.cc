#include "ops/roi_align.h"

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

// X = [[1, 2], [3, 4]] (1x1x2x2).
const std::vector<float> kImage = {1, 2, 3, 4};

RoiAlignParams Params(const char* ctm, const char* mode, int64_t out, int64_t ratio) {
  RoiAlignParams p;
  p.coordinate_transformation_mode = ctm;
  p.mode = mode;
  p.output_height = out;
  p.output_width = out;
  p.sampling_ratio = ratio;
  return p;
}

std::vector<float> RunRoiAlign(const RoiAlignParams& p, Dims x_dims, std::vector<float> x,
                               std::vector<float> rois, std::vector<int64_t> indices) {
  const int64_t r = static_cast<int64_t>(indices.size());
  auto out = RunOp(kRoiAlignOp, p.ToAttrs(),
                   {In(std::move(x_dims), std::move(x)), In({r, 4}, std::move(rois)),
                    Typed<int64_t>(DataType::kInt64, {r}, indices)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  return ToFloats((*out)[0]);
}

TEST(RoiAlignTest, AvgAndMaxOneSample) {
  // output_half_pixel, roi (0,0)-(1,1), one bin, one sample at its centre
  // (0.5, 0.5): bilinear = (1 + 2 + 3 + 4) / 4 = 2.5. max mode takes the
  // largest weighted corner: 0.25 * 4 = 1.
  EXPECT_EQ(RunRoiAlign(Params("output_half_pixel", "avg", 1, 1), {1, 1, 2, 2}, kImage, {0, 0, 1, 1},
                {0}),
            (std::vector<float>{2.5f}));
  EXPECT_EQ(RunRoiAlign(Params("output_half_pixel", "max", 1, 1), {1, 1, 2, 2}, kImage, {0, 0, 1, 1},
                {0}),
            (std::vector<float>{1.0f}));
  // half_pixel shifts the roi by -0.5: the sample lands on pixel (0, 0) = 1.
  EXPECT_EQ(RunRoiAlign(Params("half_pixel", "avg", 1, 1), {1, 1, 2, 2}, kImage, {0, 0, 1, 1}, {0}),
            (std::vector<float>{1.0f}));
  EXPECT_EQ(RunRoiAlign(Params("half_pixel", "max", 1, 1), {1, 1, 2, 2}, kImage, {0, 0, 1, 1}, {0}),
            (std::vector<float>{1.0f}));
}

TEST(RoiAlignTest, GridEdgesScaleAndBatch) {
  // 2x2 bins over roi (0,0)-(2,2): samples at (0.5,0.5) = 2.5; (0.5,1.5):
  // x clamps to the last column: (2 + 4) / 2 = 3; (1.5,0.5): (3 + 4) / 2 =
  // 3.5; (1.5,1.5) = 4.
  EXPECT_EQ(RunRoiAlign(Params("output_half_pixel", "avg", 2, 1), {1, 1, 2, 2}, kImage, {0, 0, 2, 2},
                {0}),
            (std::vector<float>{2.5f, 3, 3.5f, 4}));
  // Adaptive sampling (ratio 0): one bin of size 2 takes ceil(2) = 2 samples
  // per axis, the four above: mean 3.25.
  EXPECT_EQ(RunRoiAlign(Params("output_half_pixel", "avg", 1, 0), {1, 1, 2, 2}, kImage, {0, 0, 2, 2},
                {0}),
            (std::vector<float>{3.25f}));
  // spatial_scale 0.5 maps roi (0,0)-(2,2) to (0,0)-(1,1): 2.5 as above.
  RoiAlignParams p = Params("output_half_pixel", "avg", 1, 1);
  p.spatial_scale = 0.5f;
  EXPECT_EQ(RunRoiAlign(p, {1, 1, 2, 2}, kImage, {0, 0, 2, 2}, {0}), (std::vector<float>{2.5f}));
  // A sample more than one pixel outside the image counts as 0.
  EXPECT_EQ(RunRoiAlign(Params("output_half_pixel", "avg", 1, 1), {1, 1, 2, 2}, kImage,
                {-4, -4, -2, -2}, {0}),
            (std::vector<float>{0.0f}));
  // Two images (the second is the first + 10), two rois picking image 1 then 0.
  EXPECT_EQ(RunRoiAlign(Params("output_half_pixel", "avg", 1, 1), {2, 1, 2, 2},
                {1, 2, 3, 4, 11, 12, 13, 14}, {0, 0, 1, 1, 0, 0, 1, 1}, {1, 0}),
            (std::vector<float>{12.5f, 2.5f}));
}

TEST(RoiAlignTest, Fp16AndInt32Indices) {
  std::vector<uint16_t> x, rois;
  for (float f : kImage) x.push_back(FloatToHalf(f));
  for (float f : {0.0f, 0.0f, 1.0f, 1.0f}) rois.push_back(FloatToHalf(f));
  auto out = RunOp(kRoiAlignOp, Params("output_half_pixel", "avg", 1, 1).ToAttrs(),
                   {Typed<uint16_t>(DataType::kFloat16, {1, 1, 2, 2}, x),
                    Typed<uint16_t>(DataType::kFloat16, {1, 4}, rois),
                    Typed<int32_t>(DataType::kInt32, {1}, {0})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{2.5f}));
}

TEST(RoiAlignTest, BatchIndexOutOfRangeIsAnError) {
  auto out = RunOp(kRoiAlignOp, Params("half_pixel", "avg", 1, 1).ToAttrs(),
                   {In({1, 1, 2, 2}, kImage), In({1, 4}, {0, 0, 1, 1}),
                    Typed<int64_t>(DataType::kInt64, {1}, {3})});
  ExpectError(out, {"batch_indices[0] is 3"});
}

// Adds a RoiAlign layer "r" over inputs of the given types and dims and
// expects it refused with `expected`.
void ExpectRejected(Dims x_dims, Dims rois_dims, DataType index_type, Dims index_dims,
                    const AttrMap& attrs, const char* expected) {
  SCOPED_TRACE(expected);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, std::move(x_dims));
  TensorId rois = *net.AddInput("rois", DataType::kFloat32, std::move(rois_dims));
  TensorId idx = *net.AddInput("idx", index_type, std::move(index_dims));
  ExpectError(net.AddLayer1("r", kRoiAlignOp, {x, rois, idx}, attrs), {"'r'", expected});
}

TEST(RoiAlignTest, ShapeInferenceErrors) {
  const AttrMap good = RoiAlignParams().ToAttrs();
  ExpectRejected({1, 2, 2}, {3, 4}, DataType::kInt64, {3}, good, "[N, C, H, W]");
  ExpectRejected({1, 1, 2, 2}, {3, 5}, DataType::kInt64, {3}, good, "[R, 4]");
  ExpectRejected({1, 1, 2, 2}, {3, 4}, DataType::kInt64, {2}, good, "one per roi");
  ExpectRejected({1, 1, 2, 2}, {3, 4}, DataType::kFloat32, {3}, good, "int32 or int64");
  RoiAlignParams p;
  p.mode = "sum";
  ExpectRejected({1, 1, 2, 2}, {3, 4}, DataType::kInt64, {3}, p.ToAttrs(), "mode is 'sum'");
  p = RoiAlignParams();
  p.coordinate_transformation_mode = "align_corners";
  ExpectRejected({1, 1, 2, 2}, {3, 4}, DataType::kInt64, {3}, p.ToAttrs(),
                 "coordinate_transformation_mode is 'align_corners'");
  p = RoiAlignParams();
  p.output_height = 0;
  ExpectRejected({1, 1, 2, 2}, {3, 4}, DataType::kInt64, {3}, p.ToAttrs(), "at least 1x1");
  p = RoiAlignParams();
  p.sampling_ratio = -1;
  ExpectRejected({1, 1, 2, 2}, {3, 4}, DataType::kInt64, {3}, p.ToAttrs(),
                 "sampling_ratio is -1");
}

}  // namespace
}  // namespace kiln
