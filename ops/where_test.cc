#include "ops/where.h"

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

TEST(WhereTest, SelectsElementwise) {
  // ONNX's example: cond [[T,F],[T,T]], x [[1,2],[3,4]], y [[9,8],[7,6]] -> [[1,8],[3,4]].
  auto out = RunOp(kWhereOp, AttrMap(),
                   {Typed(DataType::kBool, {2, 2}, {1, 0, 1, 1}),
                    Typed(DataType::kFloat32, {2, 2}, {1, 2, 3, 4}),
                    Typed(DataType::kFloat32, {2, 2}, {9, 8, 7, 6})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat32);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 8, 3, 4}));
}

TEST(WhereTest, BroadcastsAllThreeInputsOnInt64) {
  // cond: column [[T],[F]] (2x1); x: row [1,2,3] (3); y: scalar 0 (rank 0).
  // Row 0 takes x, row 1 takes y everywhere.
  auto out = RunOp(kWhereOp, AttrMap(),
                   {Typed(DataType::kBool, {2, 1}, {1, 0}), Typed(DataType::kInt64, {3}, {1, 2, 3}),
                    Typed(DataType::kInt64, {}, {0})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{2, 3}));
  EXPECT_EQ((*out)[0].dtype(), DataType::kInt64);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 2, 3, 0, 0, 0}));
}

TEST(WhereTest, Fp16AndBoolCopyBitsUnchanged) {
  auto half =
      RunOp(kWhereOp, AttrMap(),
            {Typed(DataType::kBool, {1, 2}, {0, 1}), Typed(DataType::kFloat16, {1, 2}, {0.1, -2.5}),
             Typed(DataType::kFloat16, {1, 2}, {65504, 3})});
  ASSERT_TRUE(half.ok()) << half.status();
  EXPECT_EQ((*half)[0].as<uint16_t>()[0], FloatToHalf(65504.0f));
  EXPECT_EQ((*half)[0].as<uint16_t>()[1], FloatToHalf(-2.5f));
  auto bools =
      RunOp(kWhereOp, AttrMap(),
            {Typed(DataType::kBool, {1, 2}, {1, 0}), Typed(DataType::kBool, {1, 2}, {1, 1}),
             Typed(DataType::kBool, {1, 2}, {0, 0})});
  ASSERT_TRUE(bools.ok()) << bools.status();
  EXPECT_EQ(ToFloats((*bools)[0]), (std::vector<float>{1, 0}));
}

TEST(WhereTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId c = *net.AddInput("c", DataType::kBool, {1, 3});
  TensorId cf = *net.AddInput("cf", DataType::kFloat32, {1, 3});
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3});
  TensorId xi = *net.AddInput("xi", DataType::kInt32, {1, 3});
  TensorId x4 = *net.AddInput("x4", DataType::kFloat32, {1, 4});
  TensorId c4 = *net.AddInput("c4", DataType::kBool, {1, 4});
  ExpectError(AddWhere(net, "w1", cf, x, x).status(), {"w1", "condition", "fp32", "bool"});
  ExpectError(AddWhere(net, "w2", c, x, xi).status(), {"w2", "fp32", "int32", "same type"});
  ExpectError(AddWhere(net, "w3", c, x, x4).status(), {"w3", "do not broadcast", "1x3", "1x4"});
  ExpectError(AddWhere(net, "w4", c4, x, x).status(), {"w4", "condition", "1x4", "1x3"});
  ExpectError(net.AddLayer1("w5", kWhereOp, {c, x}, AttrMap()).status(), {"w5", "3"});
}

}  // namespace
}  // namespace kiln
