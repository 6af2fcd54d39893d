#include "ops/hardmax.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
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

std::vector<float> Hard(int64_t axis, OpInput in) {
  auto out = RunOp(kHardmaxOp, HardmaxParams{axis}.ToAttrs(), {std::move(in)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(HardmaxTest, LastAxisWithTies) {
  // ONNX's example rows: [3,0,1,2] -> max at 0; [2,5,1,0] -> 1; [0,1,3,2] -> 2;
  // [0,1,2,3] -> 3; the tie row [4,4,1,4] -> first 4 (index 0).
  EXPECT_EQ(Hard(-1, In({5, 4}, {3, 0, 1, 2, 2, 5, 1, 0, 0, 1, 3, 2, 0, 1, 2, 3, 4, 4, 1, 4})),
            (std::vector<float>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0}));
}

TEST(HardmaxTest, FirstAxisAndMiddleAxis) {
  // 2x3 [[1, 9, 2], [5, 9, 0]], axis 0 (per column): [[0,1,1],[1,0,0]] (9 ties: row 0 wins).
  EXPECT_EQ(Hard(0, In({2, 3}, {1, 9, 2, 5, 9, 0})), (std::vector<float>{0, 1, 1, 1, 0, 0}));
  // 1x2x2 [[1, 4], [3, 2]], axis -2 (== 1): column 0 max at 1, column 1 max at 0.
  EXPECT_EQ(Hard(-2, In({1, 2, 2}, {1, 4, 3, 2})), (std::vector<float>{0, 1, 1, 0}));
}

TEST(HardmaxTest, Fp16) {
  auto out = RunOp(kHardmaxOp, HardmaxParams{}.ToAttrs(),
                   {Typed(DataType::kFloat16, {1, 3}, {-1, 0.5, 0.25})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 1, 0}));
}

TEST(HardmaxTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3});
  TensorId i = *net.AddInput("i", DataType::kInt32, {1, 3});
  ExpectError(AddHardmax(net, "h1", x, {2}).status(), {"h1", "axis 2", "rank 2"});
  ExpectError(AddHardmax(net, "h2", x, {-3}).status(), {"h2", "axis -3"});
  ExpectError(AddHardmax(net, "h3", i, {}).status(), {"h3", "int32"});
}

}  // namespace
}  // namespace kiln
