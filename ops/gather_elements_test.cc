#include "ops/gather_elements.h"

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

std::vector<float> GatherEl(int64_t axis, OpInput data, OpInput indices, Dims* dims = nullptr) {
  auto out = RunOp(kGatherElementsOp, GatherElementsParams{axis}.ToAttrs(),
                   {std::move(data), std::move(indices)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  if (dims != nullptr) *dims = (*out)[0].dims();
  return ToFloats((*out)[0]);
}

TEST(GatherElementsTest, OnnxExamples) {
  // test_gather_elements_0: data [[1,2],[3,4]], indices [[0,0],[1,0]], axis 1 -> [[1,1],[4,3]].
  EXPECT_EQ(GatherEl(1, Typed(DataType::kFloat32, {2, 2}, {1, 2, 3, 4}),
                     Typed(DataType::kInt64, {2, 2}, {0, 0, 1, 0})),
            (std::vector<float>{1, 1, 4, 3}));
  // test_gather_elements_1: data 3x3 1..9, indices [[1,2,0],[2,0,0]], axis 0
  // -> [[data[1][0], data[2][1], data[0][2]], [data[2][0], data[0][1], data[0][2]]] =
  // [[4,8,3],[7,2,3]].
  Dims dims;
  EXPECT_EQ(GatherEl(0, Typed(DataType::kFloat32, {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                     Typed(DataType::kInt32, {2, 3}, {1, 2, 0, 2, 0, 0}), &dims),
            (std::vector<float>{4, 8, 3, 7, 2, 3}));
  EXPECT_EQ(dims, (Dims{2, 3}));
}

TEST(GatherElementsTest, NegativeIndicesAndNegativeAxis) {
  // axis -1 == 1 on 2x3 data [[1,2,3],[4,5,6]]; index -1 is the last column, -3 the first.
  EXPECT_EQ(GatherEl(-1, Typed(DataType::kInt64, {2, 3}, {1, 2, 3, 4, 5, 6}),
                     Typed(DataType::kInt64, {2, 2}, {-1, 0, -3, 1})),
            (std::vector<float>{3, 1, 4, 5}));
}

TEST(GatherElementsTest, SmallerIndicesThanDataOffTheAxis) {
  // 3x3 data, 1x2 indices along axis 0: out[0][j] = data[idx[0][j]][j] = [data[2][0], data[1][1]].
  EXPECT_EQ(GatherEl(0, Typed(DataType::kFloat16, {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                     Typed(DataType::kInt64, {1, 2}, {2, 1})),
            (std::vector<float>{7, 5}));
}

TEST(GatherElementsTest, OutOfRangeIndexIsAnErrorFromRun) {
  auto out =
      RunOp(kGatherElementsOp, GatherElementsParams{1}.ToAttrs(),
            {Typed(DataType::kFloat32, {1, 2}, {1, 2}), Typed(DataType::kInt32, {1, 2}, {0, 2})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kOutOfRange);
  ExpectError(out.status(), {"index 2", "position 1", "-2..1"});
}

TEST(GatherElementsTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId i = *net.AddInput("i", DataType::kInt64, {2, 2});
  TensorId f = *net.AddInput("f", DataType::kFloat32, {2, 2});
  TensorId r3 = *net.AddInput("r3", DataType::kInt64, {2, 2, 1});
  TensorId wide = *net.AddInput("wide", DataType::kInt64, {2, 4});
  ExpectError(AddGatherElements(net, "g1", x, f, {1}).status(), {"g1", "fp32", "int32 or int64"});
  ExpectError(AddGatherElements(net, "g2", x, r3, {1}).status(), {"g2", "rank 3", "rank 2"});
  ExpectError(AddGatherElements(net, "g3", x, i, {2}).status(), {"g3", "axis 2"});
  ExpectError(AddGatherElements(net, "g4", x, wide, {0}).status(), {"g4", "dim 1", "2x4"});
  auto ok = AddGatherElements(net, "g5", x, wide, {1});  // along the axis any size is fine
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{2, 4}));
}

}  // namespace
}  // namespace kiln
