#include "ops/shrink.h"

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

std::vector<float> Shrink(ShrinkParams p, OpInput in) {
  auto out = RunOp(kShrinkOp, p.ToAttrs(), {std::move(in)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(ShrinkTest, HardAndSoft) {
  // test_shrink_hard: lambd 1.5 on [-2..2]: only |x| > 1.5 survive -> [-2, 0, 0, 0, 2].
  EXPECT_EQ(Shrink({1.5f, 0}, In({5}, {-2, -1, 0, 1, 2})), (std::vector<float>{-2, 0, 0, 0, 2}));
  // test_shrink_soft: lambd 1.5, bias 1.5 -> [-0.5, 0, 0, 0, 0.5]. x == lambd gives 0.
  EXPECT_EQ(Shrink({1.5f, 1.5f}, In({6}, {-2, -1, 0, 1, 2, 1.5f})),
            (std::vector<float>{-0.5f, 0, 0, 0, 0.5f, 0}));
}

TEST(ShrinkTest, Fp16AndDefaults) {
  // Defaults lambd 0.5, bias 0: 0.75 stays, 0.25 -> 0, -0.5 (at the threshold) -> 0.
  auto out = RunOp(kShrinkOp, AttrMap(), {Typed(DataType::kFloat16, {3}, {0.75, 0.25, -0.5})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0.75f, 0, 0}));
}

TEST(ShrinkTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId i = *net.AddInput("i", DataType::kInt32, {1, 3});
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3});
  ExpectError(AddShrink(net, "s1", i, {}).status(), {"s1", "int32"});
  AttrMap bad;
  bad.Set("lambd", "big");
  ExpectError(net.AddLayer1("s2", kShrinkOp, {x}, bad).status(), {"s2", "lambd"});
}

}  // namespace
}  // namespace kiln
