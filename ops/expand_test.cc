#include "ops/expand.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using testutil::In;
using testutil::OpInput;
using testutil::RunOp;
using testutil::ToFloats;
using testutil::Typed;

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

TEST(ExpandTest, DimChangedAndUnchanged) {
  // ONNX test_expand_dim_changed: [3,1] (values 1,2,3) to shape [2,1,6] -> 2x3x6, row i all i+1.
  auto out = RunOp(kExpandOp, ExpandParams{{2, 1, 6}}.ToAttrs(),
                   {Typed(DataType::kFloat32, {3, 1}, {1, 2, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{2, 3, 6}));
  std::vector<float> expected;
  for (int rep = 0; rep < 2; ++rep) {
    for (float v : {1.0f, 2.0f, 3.0f}) expected.insert(expected.end(), 6, v);
  }
  EXPECT_EQ(ToFloats((*out)[0]), expected);
  // test_expand_dim_unchanged: [3,1] to shape [3,4]; a shorter shape [1] keeps the input.
  out = RunOp(kExpandOp, ExpandParams{{3, 4}}.ToAttrs(),
              {Typed(DataType::kInt64, {3, 1}, {1, 2, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
  out = RunOp(kExpandOp, ExpandParams{{1}}.ToAttrs(), {Typed(DataType::kInt32, {1, 2}, {5, 6})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{1, 2}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{5, 6}));
}

TEST(ExpandTest, Fp16AndBoolRowBroadcast) {
  // A 1x2 row repeated over 3 rows: [[a,b],[a,b],[a,b]].
  auto out = RunOp(kExpandOp, ExpandParams{{3, 2}}.ToAttrs(),
                   {Typed(DataType::kFloat16, {1, 2}, {0.1, -7})});
  ASSERT_TRUE(out.ok()) << out.status();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*out)[0].as<uint16_t>()[2 * i], FloatToHalf(0.1f));
    EXPECT_EQ((*out)[0].as<uint16_t>()[2 * i + 1], FloatToHalf(-7.0f));
  }
  out = RunOp(kExpandOp, ExpandParams{{2, 2}}.ToAttrs(), {Typed(DataType::kBool, {2}, {1, 0})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 0, 1, 0}));
}

TEST(ExpandTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3});
  ExpectError(AddExpand(net, "e1", x, {{2, 4}}).status(), {"e1", "does not broadcast", "2x4"});
  ExpectError(AddExpand(net, "e2", x, {{-1, 3}}).status(), {"e2", "negative"});
  auto ok = AddExpand(net, "e3", x, {{4, 1, 1}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{4, 1, 3}));
}

// shape_refs: an entry read from another input's dims (its data unread).
TEST(ExpandTest, ShapeRefsReadOtherInputsDims) {
  ExpandParams params;
  params.shape = {1, 3};
  params.shape_refs = {DimRef{1, 0}, DimRef{-1, 0}};
  const OpInput shape_of = Typed<int64_t>(DataType::kInt64, {4, 2}, std::vector<int64_t>(8, 7));
  auto out = RunOp(kExpandOp, params.ToAttrs(), {In({1, 3}, {1, 2, 3}), shape_of});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{4, 3}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}));
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3});
  TensorId r = *net.AddInput("r", DataType::kInt64, {4, 2});
  params.shape_refs = {DimRef{1, 2}, DimRef{-1, 0}};
  auto bad = net.AddLayer1("bad", kExpandOp, {x, r}, params.ToAttrs());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("reads dim 2 of input 'r'"));
}

}  // namespace
}  // namespace kiln
