#include "ops/cum_sum.h"

#include <cstdint>
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

std::vector<float> Sum(const CumSumParams& p, OpInput in) {
  auto out = RunOp(kCumSumOp, p.ToAttrs(), {std::move(in)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(CumSumTest, ExclusiveAndReverseOn1D) {
  // ONNX's examples on [1, 2, 3, 4, 5].
  auto x = [] { return Typed(DataType::kFloat32, {5}, {1, 2, 3, 4, 5}); };
  EXPECT_EQ(Sum({0, false, false}, x()), (std::vector<float>{1, 3, 6, 10, 15}));
  EXPECT_EQ(Sum({0, true, false}, x()), (std::vector<float>{0, 1, 3, 6, 10}));
  EXPECT_EQ(Sum({0, false, true}, x()), (std::vector<float>{15, 14, 12, 9, 5}));
  EXPECT_EQ(Sum({0, true, true}, x()), (std::vector<float>{14, 12, 9, 5, 0}));
}

TEST(CumSumTest, EachAxisOf2DIncludingNegative) {
  // [[1, 2, 3], [4, 5, 6]]: axis 0 -> [[1,2,3],[5,7,9]]; axis 1 (= -1) -> [[1,3,6],[4,9,15]].
  auto x = [] { return Typed(DataType::kInt32, {2, 3}, {1, 2, 3, 4, 5, 6}); };
  EXPECT_EQ(Sum({0, false, false}, x()), (std::vector<float>{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(Sum({-1, false, false}, x()), (std::vector<float>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(Sum({1, true, true}, x()), (std::vector<float>{5, 3, 0, 11, 6, 0}));
}

TEST(CumSumTest, Int64WrapsOnOverflow) {
  Weights x(DataType::kInt64, {2});
  x.mutable_as<int64_t>()[0] = std::numeric_limits<int64_t>::max();
  x.mutable_as<int64_t>()[1] = 1;
  auto out = RunOp(kCumSumOp, CumSumParams{}.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].as<int64_t>()[1], std::numeric_limits<int64_t>::min());
}

TEST(CumSumTest, Fp16SumsInFp32) {
  // 2048 + 1 + 1: fp16 cannot hold 2049, but the fp32 running sum reaches 2050 exactly.
  auto out =
      RunOp(kCumSumOp, CumSumParams{}.ToAttrs(), {Typed(DataType::kFloat16, {3}, {2048, 1, 1})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{2048, 2048, 2050}));
}

TEST(CumSumTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  TensorId b = *net.AddInput("b", DataType::kBool, {1, 4});
  ExpectError(AddCumSum(net, "s1", x, {2, false, false}).status(), {"s1", "axis 2", "rank 2"});
  ExpectError(AddCumSum(net, "s2", x, {-3, false, false}).status(), {"s2", "axis -3"});
  ExpectError(AddCumSum(net, "s3", b, {}).status(), {"s3", "bool"});
  AttrMap bad = CumSumParams{}.ToAttrs();
  bad.Set("reverse", 5);
  ExpectError(net.AddLayer1("s4", kCumSumOp, {x}, bad).status(), {"s4", "reverse"});
}

}  // namespace
}  // namespace kiln
