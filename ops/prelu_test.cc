#include "ops/prelu.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Const;
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

TEST(PReluTest, PerChannelSlope) {
  // x 1x2x2 (channels [-1, 2] and [-4, -0.5]), slope 2x1 = [0.5, 3] (ONNX style, right-aligned):
  // -1*0.5 = -0.5, 2 stays, -4*3 = -12, -0.5*3 = -1.5.
  auto out =
      RunOp(kPReluOp, AttrMap(), {In({1, 2, 2}, {-1, 2, -4, -0.5f}), Const({2, 1}, {0.5f, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-0.5f, 2, -12, -1.5f}));
}

TEST(PReluTest, SlopeBroadcastAlongLastDimAndSameShape) {
  // slope [0.1, 0.2, 0.3] (rank 1) over a 2x3 x: column j uses slope[j].
  auto out = RunOp(kPReluOp, AttrMap(),
                   {In({2, 3}, {-10, -10, 5, 0, -1, -2}), In({3}, {0.1f, 0.2f, 0.3f})});
  ASSERT_TRUE(out.ok()) << out.status();
  auto v = ToFloats((*out)[0]);
  std::vector<float> expected = {-1, -2, 5, 0, -0.2f, -0.6f};
  for (size_t i = 0; i < v.size(); ++i) EXPECT_FLOAT_EQ(v[i], expected[i]) << i;
}

TEST(PReluTest, Fp16) {
  auto out =
      RunOp(kPReluOp, AttrMap(),
            {Typed(DataType::kFloat16, {1, 2}, {-2, 3}), Typed(DataType::kFloat16, {1}, {0.25})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-0.5f, 3}));
}

TEST(PReluTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3, 2});
  TensorId xi = *net.AddInput("xi", DataType::kInt32, {1, 3, 2});
  TensorId h = *net.AddInput("h", DataType::kFloat16, {1, 3, 2});
  ExpectError(AddPRelu(net, "p1", xi, xi).status(), {"p1", "int32", "fp32 or fp16"});
  ExpectError(AddPRelu(net, "p2", x, h).status(), {"p2", "fp16", "fp32", "same type"});
  ExpectError(AddPRelu(net, "p3", x, Weights::FromFloats({3}, {1, 2, 3})).status(),
              {"p3", "does not broadcast", "1x3x2"});
  // x's dims may not grow: a 2x3x2 slope is larger than the 1x3x2 x.
  ExpectError(AddPRelu(net, "p4", x, Weights(DataType::kFloat32, {2, 3, 2})).status(),
              {"p4", "does not broadcast"});
  ExpectError(AddPRelu(net, "p5", x, Weights(DataType::kFloat32, {1, 1, 3, 2})).status(),
              {"p5", "does not broadcast"});
  auto ok = AddPRelu(net, "p6", x, Weights::FromFloats({3, 1}, {1, 2, 3}));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{1, 3, 2}));
}

}  // namespace
}  // namespace kiln
