#include "ops/depth_to_space.h"

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

std::vector<float> D2S(DepthToSpaceParams p, Dims dims, std::vector<float> x, Dims expected) {
  auto out = RunOp(kDepthToSpaceOp, p.ToAttrs(), {In(std::move(dims), std::move(x))});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims(), expected);
  return ToFloats((*out)[0]);
}

TEST(DepthToSpaceTest, DcrInterleavesChannelBlocks) {
  // 4 channels of 1x2, b=2: output pixel (i, j) of each 2x2 block comes from
  // channel 2i + j. Row 0 takes channels 0,1; row 1 channels 2,3.
  EXPECT_EQ(D2S({2, "DCR"}, {1, 4, 1, 2}, {0, 1, 10, 11, 20, 21, 30, 31}, {1, 1, 2, 4}),
            (std::vector<float>{0, 10, 1, 11, 20, 30, 21, 31}));
}

TEST(DepthToSpaceTest, DcrAndCrdDifferWithSeveralOutputChannels) {
  // 8 channels of 1x1, b=2 -> 2 channels of 2x2. DCR: out[c][i][j] =
  // x[(2i+j)*2 + c]; CRD: x[(2c+i)*2 + j] = x[4c + 2i + j].
  std::vector<float> x = {0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(D2S({2, "DCR"}, {1, 8, 1, 1}, x, {1, 2, 2, 2}),
            (std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7}));
  EXPECT_EQ(D2S({2, "CRD"}, {1, 8, 1, 1}, x, {1, 2, 2, 2}), x);
}

TEST(DepthToSpaceTest, BatchItemsStaySeparate) {
  EXPECT_EQ(D2S({2, "CRD"}, {2, 4, 1, 1}, {1, 2, 3, 4, 5, 6, 7, 8}, {2, 1, 2, 2}),
            (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(D2S({1, "DCR"}, {1, 2, 1, 2}, {1, 2, 3, 4}, {1, 2, 1, 2}),
            (std::vector<float>{1, 2, 3, 4}));
}

TEST(DepthToSpaceTest, AnyDtypeBitExact) {
  // int32 and fp16 (a NaN payload survives: bytes are moved, not converted).
  Weights x(DataType::kInt32, {1, 4, 1, 1});
  for (int i = 0; i < 4; ++i) x.mutable_as<int32_t>()[i] = 100000007 * (i + 1);
  auto out = RunOp(kDepthToSpaceOp, DepthToSpaceParams{2, "DCR"}.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kInt32);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*out)[0].as<int32_t>()[i], x.as<int32_t>()[i]);

  Weights h(DataType::kFloat16, {1, 4, 1, 1});
  const uint16_t bits[] = {0x7e01, 0x3c00, 0xc000, 0x0001};
  for (int i = 0; i < 4; ++i) h.mutable_as<uint16_t>()[i] = bits[i];
  auto out16 = RunOp(kDepthToSpaceOp, DepthToSpaceParams{2, "DCR"}.ToAttrs(), {{h, false}});
  ASSERT_TRUE(out16.ok()) << out16.status();
  EXPECT_EQ((*out16)[0].dtype(), DataType::kFloat16);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*out16)[0].as<uint16_t>()[i], bits[i]);
}

TEST(DepthToSpaceTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 12, 3, 3});
  TensorId v = *net.AddInput("v", DataType::kFloat32, {1, 12, 3});
  ExpectError(AddDepthToSpace(net, "d1", v, {2, "DCR"}), {"d1", "has dims 1x12x3", "4 dims"});
  ExpectError(AddDepthToSpace(net, "d2", x, {3, "DCR"}),
              {"d2", "12 channels", "multiple of blocksize^2 = 9"});
  ExpectError(AddDepthToSpace(net, "d3", x, {0, "DCR"}), {"d3", "'blocksize' is 0"});
  ExpectError(AddDepthToSpace(net, "d4", x, {2, "RDC"}), {"d4", "'mode' is 'RDC'"});
  ExpectError(net.AddLayer1("d5", kDepthToSpaceOp, {x}, {}), {"d5", "'blocksize' is missing"});
  auto y = AddDepthToSpace(net, "ok", x, {2, "CRD"});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{1, 3, 6, 6}));
}

}  // namespace
}  // namespace kiln
