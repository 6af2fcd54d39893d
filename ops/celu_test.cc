#include "ops/celu.h"

#include <cmath>
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

TEST(CeluTest, HandCheckedValues) {
  // alpha 2: x = -2 ln 2 -> 2 * (exp(-ln 2) - 1) = 2 * (0.5 - 1) = -1; positives pass through.
  auto out = RunOp(kCeluOp, CeluParams{2.0f}.ToAttrs(), {In({3}, {-2 * std::log(2.0f), 0, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  auto v = ToFloats((*out)[0]);
  EXPECT_FLOAT_EQ(v[0], -1.0f);
  EXPECT_EQ(v[1], 0.0f);
  EXPECT_EQ(v[2], 3.0f);
  // Default alpha 1: celu(-ln 4) = 0.25 - 1 = -0.75; large negatives tend to -alpha.
  out = RunOp(kCeluOp, AttrMap(), {In({2}, {-std::log(4.0f), -100})});
  ASSERT_TRUE(out.ok()) << out.status();
  v = ToFloats((*out)[0]);
  EXPECT_FLOAT_EQ(v[0], -0.75f);
  EXPECT_FLOAT_EQ(v[1], -1.0f);
}

TEST(CeluTest, Fp16) {
  // alpha 0.5: 0 -> 0, 1.5 passes through, -100 -> -alpha = -0.5 (exp underflows).
  auto out =
      RunOp(kCeluOp, CeluParams{0.5f}.ToAttrs(), {Typed(DataType::kFloat16, {3}, {0, 1.5, -100})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 1.5f, -0.5f}));
}

TEST(CeluTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId i = *net.AddInput("i", DataType::kInt64, {1, 3});
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3});
  ExpectError(AddCelu(net, "c1", i, {}).status(), {"c1", "int64"});
  ExpectError(AddCelu(net, "c2", x, {0.0f}).status(), {"c2", "alpha is 0"});
}

}  // namespace
}  // namespace kiln
