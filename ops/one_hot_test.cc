#include "ops/one_hot.h"

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

std::vector<float> Hot(const OneHotParams& p, OpInput indices, Dims* dims = nullptr) {
  auto out = RunOp(kOneHotOp, p.ToAttrs(), {std::move(indices)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dtype(), p.dtype);
  if (dims != nullptr) *dims = (*out)[0].dims();
  return ToFloats((*out)[0]);
}

TEST(OneHotTest, LastAxisWithNegativeAndOutOfRangeIndices) {
  // indices [1, -1, 3, 7], depth 4, values {2, 5}: rows with 5 at 1, at 3 (-1 = 3),
  // at 3, and all-off for 7 (outside -4..3).
  Dims dims;
  auto v =
      Hot({4, -1, {2, 5}, DataType::kFloat32}, Typed(DataType::kInt64, {4}, {1, -1, 3, 7}), &dims);
  EXPECT_EQ(dims, (Dims{4, 4}));
  EXPECT_EQ(v, (std::vector<float>{2, 5, 2, 2, 2, 2, 2, 5, 2, 2, 2, 5, 2, 2, 2, 2}));
}

TEST(OneHotTest, AxisZeroAndMiddleAxis) {
  // indices 1x2 [[0, 2]], depth 3, axis 1 -> out 1x3x2: out[0][j][i] = (j == idx[i]).
  Dims dims;
  auto v = Hot({3, 1, {0, 1}, DataType::kInt32}, Typed(DataType::kInt32, {1, 2}, {0, 2}), &dims);
  EXPECT_EQ(dims, (Dims{1, 3, 2}));
  EXPECT_EQ(v, (std::vector<float>{1, 0, 0, 0, 0, 1}));
  // axis -3 == 0 on the same: out 3x1x2, out[j][0][i] = (j == idx[i]): the same values.
  v = Hot({3, -3, {0, 1}, DataType::kInt64}, Typed(DataType::kInt32, {1, 2}, {0, 2}), &dims);
  EXPECT_EQ(dims, (Dims{3, 1, 2}));
  EXPECT_EQ(v, (std::vector<float>{1, 0, 0, 0, 0, 1}));
}

TEST(OneHotTest, FloatIndicesAndFp16Output) {
  // ONNX allows float indices; 1.7 truncates to 1.
  auto v = Hot({3, -1, {-1, 0.5f}, DataType::kFloat16}, Typed(DataType::kFloat32, {2}, {1.7, 0}));
  EXPECT_EQ(v, (std::vector<float>{-1, 0.5f, -1, 0.5f, -1, -1}));
}

TEST(OneHotTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId i = *net.AddInput("i", DataType::kInt64, {1, 3});
  TensorId b = *net.AddInput("b", DataType::kBool, {1, 3});
  ExpectError(AddOneHot(net, "o1", i, {4, 3, {0, 1}, DataType::kFloat32}).status(),
              {"o1", "axis 3", "rank 3"});
  ExpectError(AddOneHot(net, "o2", i, {4, -4, {0, 1}, DataType::kFloat32}).status(),
              {"o2", "axis -4"});
  ExpectError(AddOneHot(net, "o3", b, {}).status(), {"o3", "bool"});
  ExpectError(AddOneHot(net, "o4", i, {0, -1, {0, 1}, DataType::kFloat32}).status(),
              {"o4", "depth 0"});
  ExpectError(AddOneHot(net, "o5", i, {4, -1, {1}, DataType::kFloat32}).status(),
              {"o5", "values has 1"});
  AttrMap bad = OneHotParams{}.ToAttrs();
  bad.Set("dtype", "fp64");
  ExpectError(net.AddLayer1("o6", kOneHotOp, {i}, bad).status(), {"o6", "fp64"});
  auto ok = AddOneHot(net, "o7", i, {5, -1, {0, 1}, DataType::kFloat32});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{1, 3, 5}));
}

}  // namespace
}  // namespace kiln
