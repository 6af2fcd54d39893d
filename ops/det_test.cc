#include "ops/det.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

TEST(DetTest, HandChecked) {
  // test_det_2d: [[1, 2], [3, 4]] -> 1*4 - 2*3 = -2; a scalar output.
  auto out = RunOp(kDetOp, AttrMap(), {In({2, 2}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE((*out)[0].dims().empty());
  EXPECT_FLOAT_EQ(ToFloats((*out)[0])[0], -2.0f);
  // Batch of three 3x3 (test_det_nd-like):
  //  [[2,0,0],[0,3,0],[0,0,4]] -> 24 (diagonal);
  //  [[0,1,0],[1,0,0],[0,0,1]] -> -1 (one row swap, needs pivoting: a[0][0] = 0);
  //  [[1,2,3],[4,5,6],[7,8,9]] -> 0 (rows in arithmetic progression: singular).
  out = RunOp(kDetOp, AttrMap(), {In({3, 3, 3}, {2, 0, 0, 0, 3, 0, 0, 0, 4,  //
                                                 0, 1, 0, 1, 0, 0, 0, 0, 1,  //
                                                 1, 2, 3, 4, 5, 6, 7, 8, 9})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{3}));
  std::vector<float> v = ToFloats((*out)[0]);
  EXPECT_FLOAT_EQ(v[0], 24.0f);
  EXPECT_FLOAT_EQ(v[1], -1.0f);
  EXPECT_NEAR(v[2], 0.0f, 1e-5f);
  // 1x1: the element itself.
  out = RunOp(kDetOp, AttrMap(), {In({2, 1, 1}, {-3.5f, 7})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-3.5f, 7}));
}

TEST(DetTest, Fp16) {
  // [[2, 1], [1, 3]] -> 6 - 1 = 5, exact in fp16.
  std::vector<uint16_t> bits;
  for (float f : {2.0f, 1.0f, 1.0f, 3.0f}) bits.push_back(FloatToHalf(f));
  auto out =
      RunOp(kDetOp, AttrMap(), {testutil::Typed<uint16_t>(DataType::kFloat16, {2, 2}, bits)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{5.0f}));
}

TEST(DetTest, ShapeInferenceErrors) {
  testutil::ExpectLayerRejected(kDetOp, "d1", {2, 3}, DataType::kFloat32, AttrMap(),
                                "expected square matrices");
  testutil::ExpectLayerRejected(kDetOp, "d2", {4}, DataType::kFloat32, AttrMap(),
                                "expected square matrices");
  testutil::ExpectLayerRejected(kDetOp, "d3", {2, 2}, DataType::kInt32, AttrMap(), "fp32 or fp16");
}

}  // namespace
}  // namespace kiln
