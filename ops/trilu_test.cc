#include "ops/trilu.h"

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

std::vector<float> Tri(bool upper, int64_t k, OpInput in) {
  auto out = RunOp(kTriluOp, TriluParams{upper, k}.ToAttrs(), {std::move(in)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

// 3x4 matrix 1..12: rows [1 2 3 4], [5 6 7 8], [9 10 11 12].
OpInput M(DataType type = DataType::kFloat32) {
  return Typed(type, {3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
}

TEST(TriluTest, UpperWithDiagonalOffsets) {
  // k = 0: j >= i.
  EXPECT_EQ(Tri(true, 0, M()), (std::vector<float>{1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12}));
  // k = 1: j >= i + 1.
  EXPECT_EQ(Tri(true, 1, M()), (std::vector<float>{0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12}));
  // k = -1: j >= i - 1.
  EXPECT_EQ(Tri(true, -1, M()), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12}));
  // k = 5: past the last column, all zero.
  EXPECT_EQ(Tri(true, 5, M()), std::vector<float>(12, 0));
}

TEST(TriluTest, LowerWithDiagonalOffsets) {
  // k = 0: j <= i.
  EXPECT_EQ(Tri(false, 0, M(DataType::kInt64)),
            (std::vector<float>{1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0}));
  // k = -1: j <= i - 1.
  EXPECT_EQ(Tri(false, -1, M(DataType::kInt32)),
            (std::vector<float>{0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0}));
  // k = 2: j <= i + 2.
  EXPECT_EQ(Tri(false, 2, M()), (std::vector<float>{1, 2, 3, 0, 5, 6, 7, 8, 9, 10, 11, 12}));
  // k = -7: all zero.
  EXPECT_EQ(Tri(false, -7, M()), std::vector<float>(12, 0));
}

TEST(TriluTest, BatchedMatricesAndFp16) {
  // Two 2x2 matrices, lower: [[1,0],[3,4]] and [[5,0],[7,8]].
  EXPECT_EQ(Tri(false, 0, Typed(DataType::kFloat16, {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})),
            (std::vector<float>{1, 0, 3, 4, 5, 0, 7, 8}));
}

TEST(TriluTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId v = *net.AddInput("v", DataType::kFloat32, {4});
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3});
  ExpectError(AddTrilu(net, "t1", v, {}).status(), {"t1", "rank 1", "at least 2"});
  AttrMap bad;
  bad.Set("upper", 2);
  ExpectError(net.AddLayer1("t2", kTriluOp, {x}, bad).status(), {"t2", "upper is 2"});
}

}  // namespace
}  // namespace kiln
