#include "ops/dft.h"

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

TEST(DftTest, ForwardRealSignal) {
  // x = [1, 2, 3, 4] (real, [1, 4, 1]), X[k] = sum_t x[t] e^{-2 pi i k t / 4}
  // with e^{-pi i/2} = -i: X0 = 10, X1 = 1 - 2i - 3 + 4i = -2 + 2i,
  // X2 = 1 - 2 + 3 - 4 = -2, X3 = conj(X1) = -2 - 2i.
  DftParams params;
  params.axis = 1;
  auto out = RunOp(kDftOp, params.ToAttrs(), {In({1, 4, 1}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 4, 2}));
  ExpectNear(ToFloats((*out)[0]), {10, 0, -2, 2, -2, 0, -2, -2});
  // onesided keeps 4 / 2 + 1 = 3 frequencies.
  params.onesided = true;
  out = RunOp(kDftOp, params.ToAttrs(), {In({1, 4, 1}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 3, 2}));
  ExpectNear(ToFloats((*out)[0]), {10, 0, -2, 2, -2, 0});
  // dft_length 2 truncates to [1, 2]: X0 = 3, X1 = 1 - 2 = -1.
  params.onesided = false;
  params.dft_length = 2;
  out = RunOp(kDftOp, params.ToAttrs(), {In({1, 4, 1}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectNear(ToFloats((*out)[0]), {3, 0, -1, 0});
  // dft_length 4 zero-pads the length-2 signal [1, 1] to [1, 1, 0, 0]:
  // X = [2, 1 - i, 0, 1 + i].
  params.dft_length = 4;
  out = RunOp(kDftOp, params.ToAttrs(), {In({1, 2, 1}, {1, 1})});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectNear(ToFloats((*out)[0]), {2, 0, 1, -1, 0, 0, 1, 1});
}

TEST(DftTest, AxisAndInverse) {
  // [1, 2, 2, 1] with axis 2: each row of two, [a, b] -> [a + b, a - b].
  DftParams params;
  params.axis = 2;
  auto out = RunOp(kDftOp, params.ToAttrs(), {In({1, 2, 2, 1}, {1, 2, 5, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectNear(ToFloats((*out)[0]), {3, 0, -1, 0, 8, 0, 2, 0});
  // The inverse of [10, -2+2i, -2, -2-2i] (complex input) is [1, 2, 3, 4]
  // (the 1/n-scaled conjugate transform).
  params.axis = 1;
  params.inverse = true;
  out = RunOp(kDftOp, params.ToAttrs(), {In({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2})});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectNear(ToFloats((*out)[0]), {1, 0, 2, 0, 3, 0, 4, 0});
  // Negative axis -2 is the last signal dim (axis 1 of [1, 4, 2]).
  params.axis = -2;
  out = RunOp(kDftOp, params.ToAttrs(), {In({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2})});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectNear(ToFloats((*out)[0]), {1, 0, 2, 0, 3, 0, 4, 0});
}

TEST(DftTest, Fp16) {
  // [1, 3] -> [4, -2], exact in fp16.
  std::vector<uint16_t> bits;
  for (float f : {1.0f, 3.0f}) bits.push_back(FloatToHalf(f));
  auto out = RunOp(kDftOp, DftParams().ToAttrs(),
                   {testutil::Typed<uint16_t>(DataType::kFloat16, {1, 2, 1}, bits)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  ExpectNear(ToFloats((*out)[0]), {4, 0, -2, 0});
}

TEST(DftTest, ShapeInferenceErrors) {
  testutil::ExpectLayerRejected(kDftOp, "d1", {1, 4, 1}, DataType::kInt32, AttrMap(),
                                "fp32 or fp16");
  testutil::ExpectLayerRejected(kDftOp, "d2", {1, 4, 3}, DataType::kFloat32, AttrMap(),
                                "expected a real [..., 1] or complex [..., 2]");
  testutil::ExpectLayerRejected(kDftOp, "d3", {1, 4, 1}, DataType::kFloat32,
                                AttrMap().Set("axis", 2), "axis 2 is out of range");
  testutil::ExpectLayerRejected(kDftOp, "d4", {1, 4, 2}, DataType::kFloat32,
                                AttrMap().Set("inverse", 1).Set("onesided", 1),
                                "not supported");
  testutil::ExpectLayerRejected(kDftOp, "d5", {1, 4, 1}, DataType::kFloat32,
                                AttrMap().Set("dft_length", -3), "dft_length is -3");
  testutil::ExpectLayerRejected(kDftOp, "d6", {1, 4, 1}, DataType::kFloat32,
                                AttrMap().Set("inverse", 2), "must be 0 or 1");
}

}  // namespace
}  // namespace kiln
