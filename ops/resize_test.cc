#include "ops/resize.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::MakeNodeContext;
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

std::vector<float> Resize(const ResizeParams& p, Dims dims, std::vector<float> x,
                          Dims expected_dims) {
  auto out = RunOp(kResizeOp, p.ToAttrs(), {In(std::move(dims), std::move(x))});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims(), expected_dims);
  return ToFloats((*out)[0]);
}

ResizeParams Scales(std::vector<float> scales, std::string mode,
                    std::string ctm = "half_pixel") {
  ResizeParams p;
  p.scales = std::move(scales);
  p.mode = std::move(mode);
  p.coordinate_transformation_mode = std::move(ctm);
  return p;
}

TEST(ResizeTest, NearestUpsampleHalfPixel) {
  // x = (y + 0.5) / s - 0.5 rounds to y / s: each pixel repeated 2x by 3x
  // (ONNX's test_resize_upsample_scales_nearest).
  EXPECT_EQ(Resize(Scales({1, 1, 2, 3}, "nearest"), {1, 1, 2, 2}, {1, 2, 3, 4}, {1, 1, 4, 6}),
            (std::vector<float>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
}

TEST(ResizeTest, LinearUpsampleHalfPixel) {
  // Along each axis x = y/2 - 0.25: -0.25 clamps to pixel 0, 0.25 is
  // 3/4 of pixel 0 + 1/4 of pixel 1, 0.75 the reverse, 1.25 clamps to 1.
  EXPECT_EQ(Resize(Scales({1, 1, 2, 2}, "linear"), {1, 1, 2, 2}, {1, 2, 3, 4}, {1, 1, 4, 4}),
            (std::vector<float>{1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f,
                                3.5f, 3, 3.25f, 3.75f, 4}));
}

TEST(ResizeTest, LinearAlignCornersWithSizesOnRank1) {
  // x = y * (2-1)/(4-1): [0, 1/3, 2/3, 1] of the way from 0 to 9.
  ResizeParams p;
  p.sizes = {4};
  p.mode = "linear";
  p.coordinate_transformation_mode = "align_corners";
  EXPECT_EQ(Resize(p, {2}, {0, 9}, {4}), (std::vector<float>{0, 3, 6, 9}));
}

TEST(ResizeTest, NearestModesAsymmetric) {
  ResizeParams p = Scales({2}, "nearest", "asymmetric");
  p.axes = {-1};
  // Scale 2: x = y/2 = 0, .5, 1, 1.5, 2, 2.5; the halves are ties.
  p.nearest_mode = "round_prefer_floor";
  EXPECT_EQ(Resize(p, {1, 3}, {0, 10, 20}, {1, 6}), (std::vector<float>{0, 0, 10, 10, 20, 20}));
  p.nearest_mode = "round_prefer_ceil";  // 2.5 rounds to 3, clamped to 2
  EXPECT_EQ(Resize(p, {1, 3}, {0, 10, 20}, {1, 6}), (std::vector<float>{0, 10, 10, 20, 20, 20}));
  // Scale 2.5: x = 0, .4, .8, 1.2, 1.6, 2, 2.4, 2.8, 3.2, 3.6, 4, 4.4.
  p.scales = {2.5f};
  p.nearest_mode = "floor";
  EXPECT_EQ(Resize(p, {1, 5}, {0, 10, 20, 30, 40}, {1, 12}),
            (std::vector<float>{0, 0, 0, 10, 10, 20, 20, 20, 30, 30, 40, 40}));
  p.nearest_mode = "ceil";  // 4.4 -> 5, clamped to 4
  EXPECT_EQ(Resize(p, {1, 5}, {0, 10, 20, 30, 40}, {1, 12}),
            (std::vector<float>{0, 10, 10, 20, 20, 20, 30, 30, 40, 40, 40, 40}));
}

TEST(ResizeTest, CubicAsymmetricAndExcludeOutside) {
  // Keys kernel, a = -0.75: K(0.5) = 0.59375, K(1.5) = -0.09375. Scale 2,
  // asymmetric: x = y/2; at x = k + 0.5 the taps k-1..k+2 weigh
  // [-0.09375, 0.59375, 0.59375, -0.09375]; at integers the pixel itself.
  ResizeParams p = Scales({1, 2}, "cubic", "asymmetric");
  EXPECT_EQ(Resize(p, {1, 5}, {0, 0, 8, 0, 0}, {1, 10}),
            (std::vector<float>{0, -0.75f, 0, 4.75f, 8, 4.75f, 0, -0.75f, 0, 0}));
  // y = 1, x = 0.5 on [8,0,0,0]: tap -1 clamps to pixel 0 (8 * 0.5 = 4);
  // exclude_outside drops it instead and renormalizes: 8 * 0.59375 / 1.09375.
  std::vector<float> clamped = Resize(p, {1, 4}, {8, 0, 0, 0}, {1, 8});
  EXPECT_FLOAT_EQ(clamped[1], 4.0f);
  p.exclude_outside = true;
  std::vector<float> excluded = Resize(p, {1, 4}, {8, 0, 0, 0}, {1, 8});
  EXPECT_FLOAT_EQ(excluded[1], 8 * 0.59375f / 1.09375f);
}

TEST(ResizeTest, TfCropAndResizeExtrapolates) {
  // roi [0.5, 1.5] of a 4-wide axis, 3 outputs: x = 1.5 + 1.5 y = 1.5, 3, 4.5;
  // 4.5 lies past the last pixel (3) and takes extrapolation_value.
  ResizeParams p;
  p.sizes = {3};
  p.axes = {1};
  p.mode = "linear";
  p.coordinate_transformation_mode = "tf_crop_and_resize";
  p.roi = {0.5f, 1.5f};
  p.extrapolation_value = 99.0f;
  EXPECT_EQ(Resize(p, {1, 4}, {0, 10, 20, 30}, {1, 3}), (std::vector<float>{15, 30, 99}));
}

TEST(ResizeTest, LinearAntialiasWidensTheKernel) {
  // Scale 0.5, half_pixel: x = 2y + 0.5. Plain linear: 2 and 10. Antialias
  // stretches the triangle to 4 taps at distances (+-0.5, +-1.5) * 0.5 with
  // weights (.25, .75, .75, .25) / 2: y=0 reads pixels [0,0,1,2] (clamped)
  // -> 0.375*4 + 0.125*8 = 2.5; y=1 reads [1,2,3,3] -> 9.5.
  ResizeParams p = Scales({1, 0.5f}, "linear");
  EXPECT_EQ(Resize(p, {1, 4}, {0, 4, 8, 12}, {1, 2}), (std::vector<float>{2, 10}));
  p.antialias = true;
  EXPECT_EQ(Resize(p, {1, 4}, {0, 4, 8, 12}, {1, 2}), (std::vector<float>{2.5f, 9.5f}));
}

TEST(ResizeTest, KeepAspectRatioPolicies) {
  // sizes [4,4] for 2x4: size/in = 2 and 1; not_larger takes 1, not_smaller 2.
  ResizeParams p;
  p.sizes = {4, 4};
  p.axes = {2, 3};
  p.keep_aspect_ratio_policy = "not_larger";
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(Resize(p, {1, 1, 2, 4}, x, {1, 1, 2, 4}), x);
  p.keep_aspect_ratio_policy = "not_smaller";
  std::vector<float> y = Resize(p, {1, 1, 2, 4}, x, {1, 1, 4, 8});
  ASSERT_EQ(y.size(), 32u);
  EXPECT_EQ(y[0], 1);
  EXPECT_EQ(y[31], 8);
  p.keep_aspect_ratio_policy = "stretch";
  Resize(p, {1, 1, 2, 4}, x, {1, 1, 4, 4});
}

TEST(ResizeTest, Fp16) {
  Weights x(DataType::kFloat16, {1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(1.5f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(-3.0f);
  auto out = RunOp(kResizeOp, Scales({1, 2}, "nearest").ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1.5f, 1.5f, -3, -3}));
}

TEST(ResizeTest, BatchAxisFollowsTheInput) {
  // Scale 1 on dim 0: any batch size infers.
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {5, 3, 4, 4});
  auto y = AddResize(net, "up", x, Scales({1, 1, 2, 0.5f}, "linear"));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{5, 3, 8, 2}));
}

TEST(ResizeTest, VeryWideAntialiasIsUnimplemented) {
  ResizeParams p = Scales({1, 0.01f}, "linear");
  p.antialias = true;
  std::vector<OpInput> inputs;
  inputs.push_back(In({1, 200}, std::vector<float>(200, 1.0f)));
  auto out = RunOp(kResizeOp, p.ToAttrs(), inputs);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnimplemented) << out.status();
  EXPECT_NE(out.status().message().find("taps"), std::string::npos) << out.status();
}

TEST(ResizeTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3, 4, 4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {1, 3, 4, 4});
  const ResizeParams ok = Scales({1, 1, 2, 2}, "linear");
  ExpectError(AddResize(net, "r1", i, ok), {"r1", "int32"});
  ResizeParams p = ok;
  p.sizes = {1, 3, 8, 8};
  ExpectError(AddResize(net, "r2", x, p), {"r2", "both 'scales' and 'sizes'"});
  p.scales.clear();
  p.sizes.clear();
  ExpectError(AddResize(net, "r3", x, p), {"r3", "neither 'scales' nor 'sizes'"});
  p = ok;
  p.scales = {2, 2};
  ExpectError(AddResize(net, "r4", x, p), {"r4", "'scales' has 2 values; expected 4"});
  p.axes = {2, 2};
  ExpectError(AddResize(net, "r5", x, p), {"r5", "names axis 2 twice"});
  p.axes = {2, 4};
  ExpectError(AddResize(net, "r6", x, p), {"r6", "'axes' has 4, out of range for rank 4"});
  p = ok;
  p.mode = "bilinear";
  ExpectError(AddResize(net, "r7", x, p), {"r7", "'mode' is 'bilinear'", "nearest, linear"});
  p = ok;
  p.coordinate_transformation_mode = "center";
  ExpectError(AddResize(net, "r8", x, p), {"r8", "coordinate_transformation_mode", "center"});
  p = ok;
  p.nearest_mode = "nearest";
  ExpectError(AddResize(net, "r9", x, p), {"r9", "nearest_mode"});
  p = ok;
  p.keep_aspect_ratio_policy = "fit";
  ExpectError(AddResize(net, "r10", x, p), {"r10", "keep_aspect_ratio_policy"});
  p = ok;
  p.scales = {1, 1, 0, 2};
  ExpectError(AddResize(net, "r11", x, p), {"r11", "'scales'", "must be > 0"});
  p.scales.clear();
  p.sizes = {1, 3, 0, 2};
  ExpectError(AddResize(net, "r12", x, p), {"r12", "'sizes'", "must be >= 1"});
  p = Scales({1, 1, 0.5f, 0.5f}, "nearest");
  p.antialias = true;
  ExpectError(AddResize(net, "r13", x, p), {"r13", "antialias", "not nearest"});
  p = ok;
  p.coordinate_transformation_mode = "tf_crop_and_resize";
  p.roi = {0, 1};
  ExpectError(AddResize(net, "r14", x, p), {"r14", "'roi' has 2 values", "expects 8"});
  p = Scales({1, 1, 0.2f, 1}, "nearest");
  ExpectError(AddResize(net, "r15", x, p), {"r15", "output axis 2 would be empty", "4x4"});
  AttrMap bad = ok.ToAttrs();
  bad.Set("exclude_outside", int64_t{2});
  ExpectError(net.AddLayer1("r16", kResizeOp, {x}, bad), {"r16", "exclude_outside", "0 or 1"});
  EXPECT_TRUE(AddResize(net, "fine", x, ok).ok());
}

}  // namespace
}  // namespace kiln
