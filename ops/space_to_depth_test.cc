#include "ops/space_to_depth.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
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

TEST(SpaceToDepthTest, BlocksBecomeChannels) {
  // 1 channel of 2x4, b=2: output channel 2i + j holds pixel (i, j) of each
  // 2x2 block; blocks at x = 0, 1. (The inverse of DepthToSpace's DCR test.)
  auto out = RunOp(kSpaceToDepthOp, SpaceToDepthParams{2}.ToAttrs(),
                   {In({1, 1, 2, 4}, {0, 10, 1, 11, 20, 30, 21, 31})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 4, 1, 2}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 1, 10, 11, 20, 21, 30, 31}));
}

TEST(SpaceToDepthTest, SeveralChannelsAndBatch) {
  // 2 items of 2 channels of 2x2, b=2: output channel (2i+j)*2 + c = input
  // channel c's pixel (i, j).
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18};
  auto out = RunOp(kSpaceToDepthOp, SpaceToDepthParams{2}.ToAttrs(), {In({2, 2, 2, 2}, x)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{2, 8, 1, 1}));
  EXPECT_EQ(ToFloats((*out)[0]),
            (std::vector<float>{1, 5, 2, 6, 3, 7, 4, 8, 11, 15, 12, 16, 13, 17, 14, 18}));
}

TEST(SpaceToDepthTest, AnyDtypeBitExact) {
  Weights x(DataType::kInt8, {1, 1, 2, 2});
  const int8_t v[] = {-128, 127, -1, 5};
  for (int i = 0; i < 4; ++i) x.mutable_as<int8_t>()[i] = v[i];
  auto out = RunOp(kSpaceToDepthOp, SpaceToDepthParams{2}.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kInt8);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*out)[0].as<int8_t>()[i], v[i]);

  Weights h(DataType::kFloat16, {1, 1, 2, 2});
  const uint16_t bits[] = {0x7e01, 0x3c00, 0xc000, 0x0001};
  for (int i = 0; i < 4; ++i) h.mutable_as<uint16_t>()[i] = bits[i];
  auto out16 = RunOp(kSpaceToDepthOp, SpaceToDepthParams{2}.ToAttrs(), {{h, false}});
  ASSERT_TRUE(out16.ok()) << out16.status();
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*out16)[0].as<uint16_t>()[i], bits[i]);
}

TEST(SpaceToDepthTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3, 4, 6});
  TensorId v = *net.AddInput("v", DataType::kFloat32, {1, 3, 4});
  ExpectError(AddSpaceToDepth(net, "s1", v, {2}), {"s1", "has dims 1x3x4", "4 dims"});
  ExpectError(AddSpaceToDepth(net, "s2", x, {3}), {"s2", "1x3x4x6", "multiples of blocksize 3"});
  ExpectError(AddSpaceToDepth(net, "s3", x, {-1}), {"s3", "'blocksize' is -1"});
  ExpectError(net.AddLayer1("s4", kSpaceToDepthOp, {x}, {}), {"s4", "'blocksize' is missing"});
  auto y = AddSpaceToDepth(net, "ok", x, {2});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{1, 12, 2, 3}));
}

}  // namespace
}  // namespace kiln
