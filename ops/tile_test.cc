#include "ops/tile.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;

// A tensor of `dtype` holding `values` (bools: nonzero is true).
OpInput Typed(DataType dtype, Dims dims, const std::vector<double>& values) {
  Weights w(dtype, std::move(dims));
  for (size_t i = 0; i < values.size(); ++i) {
    switch (dtype) {
      case DataType::kFloat32: w.mutable_as<float>()[i] = static_cast<float>(values[i]); break;
      case DataType::kFloat16: w.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]); break;
      case DataType::kInt8: w.mutable_as<int8_t>()[i] = static_cast<int8_t>(values[i]); break;
      case DataType::kInt32: w.mutable_as<int32_t>()[i] = static_cast<int32_t>(values[i]); break;
      case DataType::kInt64: w.mutable_as<int64_t>()[i] = static_cast<int64_t>(values[i]); break;
      case DataType::kBool: w.mutable_as<uint8_t>()[i] = values[i] != 0; break;
    }
  }
  return {std::move(w), false};
}

// Expects `status` to fail with a message containing every one of `parts`.
void ExpectError(const absl::Status& status, std::vector<std::string> parts) {
  ASSERT_FALSE(status.ok());
  for (const std::string& part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "'" << part << "' not in: " << status;
  }
}

TEST(TileTest, RepeatsEachDim) {
  // [[1,2],[3,4]] tiled (2,3): rows [1,2,1,2,1,2], [3,4,3,4,3,4], then both again.
  auto out = RunOp(kTileOp, TileParams{{2, 3}}.ToAttrs(),
                   {Typed(DataType::kFloat32, {2, 2}, {1, 2, 3, 4})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{4, 6}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4,  //
                                                     1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
}

TEST(TileTest, MiddleDimAndInt64) {
  // 1x2x1 [5, 6] tiled (1, 2, 3): out[0][j][k] = in[j mod 2] -> 1x4x3.
  auto out =
      RunOp(kTileOp, TileParams{{1, 2, 3}}.ToAttrs(), {Typed(DataType::kInt64, {1, 2, 1}, {5, 6})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 4, 3}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{5, 5, 5, 6, 6, 6, 5, 5, 5, 6, 6, 6}));
}

TEST(TileTest, Fp16CopiesBits) {
  auto out =
      RunOp(kTileOp, TileParams{{1, 2}}.ToAttrs(), {Typed(DataType::kFloat16, {1, 2}, {0.1, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  const uint16_t* p = (*out)[0].as<uint16_t>();
  EXPECT_EQ(p[0], FloatToHalf(0.1f));
  EXPECT_EQ(p[2], FloatToHalf(0.1f));
  EXPECT_EQ(p[3], FloatToHalf(3.0f));
}

TEST(TileTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3});
  ExpectError(AddTile(net, "t1", x, {{2}}).status(), {"t1", "1 entries", "rank 2"});
  ExpectError(AddTile(net, "t2", x, {{1, -2}}).status(), {"t2", "negative"});
  auto ok = AddTile(net, "t3", x, {{3, 2}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{3, 6}));
}

}  // namespace
}  // namespace kiln
