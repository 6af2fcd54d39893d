#include "ops/stft.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f) << "at " << i;
}

TEST(StftTest, FramesWithoutWindow) {
  // Signal [1, 2, 3, 4, 5], frame_length 2, frame_step 2: frames [1, 2] and
  // [3, 4] (5 is left over: (5 - 2) / 2 + 1 = 2 frames). A length-2 DFT is
  // [a + b, a - b]; onesided keeps 2 / 2 + 1 = 2 bins, so both.
  StftParams params;
  params.frame_step = 2;
  params.frame_length = 2;
  auto out = RunOp(kStftOp, params.ToAttrs(), {In({1, 5, 1}, {1, 2, 3, 4, 5})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 2, 2, 2}));
  ExpectNear(ToFloats((*out)[0]), {3, 0, -1, 0, 7, 0, -1, 0});
  // frame_step 1, frame_length 4, two-sided: frames [1,2,3,4] and [2,3,4,5].
  // DFT of [1,2,3,4] = [10, -2+2i, -2, -2-2i]; [2,3,4,5] = [1,2,3,4] + 1 adds
  // 4 to X0 only: [14, -2+2i, -2, -2-2i].
  params.frame_step = 1;
  params.frame_length = 4;
  params.onesided = false;
  out = RunOp(kStftOp, params.ToAttrs(), {In({1, 5, 1}, {1, 2, 3, 4, 5})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 2, 4, 2}));
  ExpectNear(ToFloats((*out)[0]),
             {10, 0, -2, 2, -2, 0, -2, -2, 14, 0, -2, 2, -2, 0, -2, -2});
}

TEST(StftTest, WindowAndComplexSignal) {
  // Window [1, 0] (frame_length from the window) keeps the first sample of
  // each frame: DFT of [a, 0] = [a, a]. Complex signal samples (1+1i),
  // (2+0i), (3-1i), (4+0i); step 2 -> frames start at 1+1i and 3-1i.
  StftParams params;
  params.frame_step = 2;
  auto out = RunOp(kStftOp, params.ToAttrs(),
                   {In({1, 4, 2}, {1, 1, 2, 0, 3, -1, 4, 0}), In({2}, {1, 0})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 2, 2, 2}));
  ExpectNear(ToFloats((*out)[0]), {1, 1, 1, 1, 3, -1, 3, -1});
}

TEST(StftTest, Fp16) {
  std::vector<uint16_t> bits;
  for (float f : {1.0f, 3.0f}) bits.push_back(FloatToHalf(f));
  auto out = RunOp(kStftOp, StftParams().ToAttrs(),
                   {testutil::Typed<uint16_t>(DataType::kFloat16, {1, 2, 1}, bits)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 1, 2, 2}));  // one frame of the whole signal
  ExpectNear(ToFloats((*out)[0]), {4, 0, -2, 0});
}

TEST(StftTest, ShapeInferenceErrors) {
  testutil::ExpectLayerRejected(kStftOp, "s1", {1, 8, 1}, DataType::kInt32, AttrMap(),
                                "fp32 or fp16");
  testutil::ExpectLayerRejected(kStftOp, "s2", {1, 8}, DataType::kFloat32, AttrMap(),
                                "expected [batch, length, 1]");
  testutil::ExpectLayerRejected(kStftOp, "s3", {1, 8, 1}, DataType::kFloat32,
                                AttrMap().Set("frame_step", 0), "frame_step is 0");
  testutil::ExpectLayerRejected(kStftOp, "s4", {1, 8, 1}, DataType::kFloat32,
                                AttrMap().Set("frame_length", 9), "does not fit");
  testutil::ExpectLayerRejected(kStftOp, "s5", {1, 8, 1}, DataType::kFloat32,
                                AttrMap().Set("frame_length", 4), "frame_length is 4",
                                {Dims{3}});
  testutil::ExpectLayerRejected(kStftOp, "s6", {1, 8, 1}, DataType::kFloat32, AttrMap(),
                                "expected a 1-D", {Dims{2, 2}});
  testutil::ExpectLayerRejected(kStftOp, "s7", {1, 8, 1}, DataType::kFloat32,
                                AttrMap().Set("onesided", 3), "onesided is 3");
}

}  // namespace
}  // namespace kiln
