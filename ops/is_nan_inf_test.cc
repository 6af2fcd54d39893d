#include "ops/is_nan_inf.h"

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

const double kInf = std::numeric_limits<double>::infinity();
const double kNan = std::numeric_limits<double>::quiet_NaN();
// [-1.2, nan, inf, 2.8, -inf, inf] as in ONNX's IsInf examples.
const std::vector<double> kX = {-1.2, kNan, kInf, 2.8, -kInf, kInf};

std::vector<float> Detect(const IsNanInfParams& p, DataType type) {
  auto out = RunOp(kIsNanInfOp, p.ToAttrs(), {Typed(type, {6}, kX)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dtype(), DataType::kBool);
  return ToFloats((*out)[0]);
}

TEST(IsNanInfTest, NanAndInfWithSignSelection) {
  EXPECT_EQ(Detect({false, true, true}, DataType::kFloat32),
            (std::vector<float>{0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(Detect({true, true, true}, DataType::kFloat32), (std::vector<float>{0, 0, 1, 0, 1, 1}));
  EXPECT_EQ(Detect({true, true, false}, DataType::kFloat32),
            (std::vector<float>{0, 0, 1, 0, 0, 1}));
  EXPECT_EQ(Detect({true, false, true}, DataType::kFloat32),
            (std::vector<float>{0, 0, 0, 0, 1, 0}));
}

TEST(IsNanInfTest, Fp16) {
  EXPECT_EQ(Detect({false, true, true}, DataType::kFloat16),
            (std::vector<float>{0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(Detect({true, true, true}, DataType::kFloat16), (std::vector<float>{0, 0, 1, 0, 1, 1}));
}

TEST(IsNanInfTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId i = *net.AddInput("i", DataType::kInt32, {1, 3});
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3});
  ExpectError(AddIsNanInf(net, "n1", i, {}).status(), {"n1", "int32"});
  AttrMap bad;
  bad.Set("op", "finite");
  ExpectError(net.AddLayer1("n2", kIsNanInfOp, {x}, bad).status(), {"n2", "finite"});
  AttrMap bad_flag = IsNanInfParams{}.ToAttrs();
  bad_flag.Set("detect_negative", 7);
  ExpectError(net.AddLayer1("n3", kIsNanInfOp, {x}, bad_flag).status(), {"n3", "detect_negative"});
}

}  // namespace
}  // namespace kiln
