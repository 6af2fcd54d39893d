#include "ops/top_k.h"

#include <limits>
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

struct TopKResult {
  Dims dims;
  std::vector<float> values;
  std::vector<float> indices;
};

TopKResult TopK(const TopKParams& p, OpInput in) {
  auto out = RunOp(kTopKOp, p.ToAttrs(), {std::move(in)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[1].dtype(), DataType::kInt64);
  EXPECT_EQ((*out)[0].dims(), (*out)[1].dims());
  return {(*out)[0].dims(), ToFloats((*out)[0]), ToFloats((*out)[1])};
}

TEST(TopKTest, LargestAndSmallestAlongLastAxisWithTies) {
  // Row 0 = [3, 1, 3, 2]: largest 2 -> 3 (index 0), 3 (index 2; tie, lower index first).
  // Row 1 = [0, 5, -1, 5]: largest 2 -> 5 (1), 5 (3).
  OpInput x = Typed(DataType::kFloat32, {2, 4}, {3, 1, 3, 2, 0, 5, -1, 5});
  TopKResult r = TopK({2, -1, true, true}, x);
  EXPECT_EQ(r.dims, (Dims{2, 2}));
  EXPECT_EQ(r.values, (std::vector<float>{3, 3, 5, 5}));
  EXPECT_EQ(r.indices, (std::vector<float>{0, 2, 1, 3}));
  // Smallest 3: row 0 -> 1 (1), 2 (3), 3 (0); row 1 -> -1 (2), 0 (0), 5 (1).
  r = TopK({3, 1, false, true}, x);
  EXPECT_EQ(r.values, (std::vector<float>{1, 2, 3, -1, 0, 5}));
  EXPECT_EQ(r.indices, (std::vector<float>{1, 3, 0, 2, 0, 1}));
}

TEST(TopKTest, AlongAMiddleAxis) {
  // 1x3x2 int32, axis 1 (= -2): column 0 = [4, 9, 7] -> top 2 = 9 (1), 7 (2);
  // column 1 = [8, -1, 8] -> 8 (0), 8 (2).
  TopKResult r = TopK({2, -2, true, true}, Typed(DataType::kInt32, {1, 3, 2}, {4, 8, 9, -1, 7, 8}));
  EXPECT_EQ(r.dims, (Dims{1, 2, 2}));
  EXPECT_EQ(r.values, (std::vector<float>{9, 8, 7, 8}));
  EXPECT_EQ(r.indices, (std::vector<float>{1, 0, 2, 2}));
}

TEST(TopKTest, Fp16AndNaN) {
  TopKResult r = TopK({1, -1, true, true}, Typed(DataType::kFloat16, {1, 3}, {0.5, -2, 1.5}));
  EXPECT_EQ(r.values, (std::vector<float>{1.5f}));
  EXPECT_EQ(r.indices, (std::vector<float>{2}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r = TopK({2, -1, false, true}, Typed(DataType::kFloat32, {1, 3}, {nan, 4, 2}));
  EXPECT_EQ(r.values, (std::vector<float>{2, 4}));  // NaN counts as the largest
  EXPECT_EQ(r.indices, (std::vector<float>{2, 1}));
}

TEST(TopKTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  TensorId b = *net.AddInput("b", DataType::kBool, {1, 4});
  ExpectError(AddTopK(net, "t1", x, {5, -1, true, true}).status(), {"t1", "k = 5", "1x4"});
  ExpectError(AddTopK(net, "t2", x, {0, -1, true, true}).status(), {"t2", "k = 0"});
  ExpectError(AddTopK(net, "t3", x, {1, 2, true, true}).status(), {"t3", "axis 2", "rank 2"});
  ExpectError(AddTopK(net, "t4", b, {1, -1, true, true}).status(), {"t4", "bool"});
  AttrMap bad = TopKParams{}.ToAttrs();
  bad.Set("largest", 3);
  ExpectError(net.AddLayer("t5", kTopKOp, {x}, bad).status(), {"t5", "largest"});
  auto ok = AddTopK(net, "t6", x, {3, 1, true, true});
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ(net.desc((*ok)[0]).dims, (Dims{1, 3}));
  EXPECT_EQ(net.desc((*ok)[1]).dtype, DataType::kInt64);
}

}  // namespace
}  // namespace kiln
