#include "ops/identity.h"

#include <cstring>
#include <string>
#include <vector>

#include "backends/tactic_registry.h"
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

TEST(IdentityTest, CopiesValuesAndShape) {
  auto out = RunOp(kIdentityOp, AttrMap(), {In({2, 3}, {1, -2, 3, 4.5f, 0, 6})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{2, 3}));
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat32);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, -2, 3, 4.5f, 0, 6}));

  // A scalar is one element.
  auto scalar = RunOp(kIdentityOp, AttrMap(), {In({}, {7})});
  ASSERT_TRUE(scalar.ok()) << scalar.status();
  EXPECT_EQ(ToFloats((*scalar)[0]), (std::vector<float>{7}));
}

TEST(IdentityTest, CopiesEveryDtypeBitExactly) {
  // fp32: NaN with payload, signalling NaN, -0.0, smallest denormal.
  const std::vector<uint32_t> f32 = {0x7fc12345u, 0xff800001u, 0x80000000u, 0x00000001u};
  auto out = RunOp(kIdentityOp, AttrMap(), {Typed(DataType::kFloat32, {1, 4}, f32)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(std::memcmp((*out)[0].data(), f32.data(), 16), 0);

  // fp16: NaN payload and -0.0.
  const std::vector<uint16_t> f16 = {0x7e01, 0x8000, 0xfc01};
  out = RunOp(kIdentityOp, AttrMap(), {Typed(DataType::kFloat16, {1, 3}, f16)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(std::memcmp((*out)[0].data(), f16.data(), 6), 0);

  const std::vector<int64_t> i64 = {INT64_MIN, -1, INT64_MAX};
  out = RunOp(kIdentityOp, AttrMap(), {Typed(DataType::kInt64, {3}, i64)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(std::memcmp((*out)[0].data(), i64.data(), 24), 0);

  const std::vector<int8_t> i8 = {-128, 0, 127};
  out = RunOp(kIdentityOp, AttrMap(), {Typed(DataType::kInt8, {1, 3}, i8)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(std::memcmp((*out)[0].data(), i8.data(), 3), 0);
}

TEST(IdentityTest, MakesANetworkInputAnOutput) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kInt32, {1, 4});
  EXPECT_FALSE(net.MarkOutput(x).ok());
  auto y = AddIdentity(net, "copy", x);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(net.desc(*y).dims, (Dims{1, 4}));
  EXPECT_EQ(net.desc(*y).dtype, DataType::kInt32);
  EXPECT_TRUE(net.MarkOutput(*y).ok());
}

TEST(IdentityTest, RejectsBadInputsAndLayoutChanges) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  auto two = net.AddLayer1("id_two", kIdentityOp, {x, x}, AttrMap());
  ASSERT_FALSE(two.ok());
  EXPECT_THAT(std::string(two.status().message()), HasSubstr("id_two"));
  EXPECT_THAT(std::string(two.status().message()), HasSubstr("takes 1 inputs, got 2"));

  auto omitted = net.AddLayer1("id_omitted", kIdentityOp, {-1}, AttrMap());
  ASSERT_FALSE(omitted.ok());
  EXPECT_THAT(std::string(omitted.status().message()), HasSubstr("id_omitted"));
  EXPECT_THAT(std::string(omitted.status().message()), HasSubstr("omitted"));

  // A byte copy cannot turn NCHW into NHWC: the tactic says so.
  auto node = testutil::MakeNodeContext(kIdentityOp, AttrMap(), {In({1, 2, 2, 2}, {})});
  ASSERT_TRUE(node.ok()) << node.status();
  node->outputs[0].format = TensorFormat::kNHWC;
  const Tactic* tactic = TacticRegistry::Global().Find("cpu_ref.identity.direct");
  ASSERT_NE(tactic, nullptr);
  EXPECT_TRUE(tactic->is_reference());
  absl::Status s = tactic->Supports(*node);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("nhwc"));
  node->inputs[0].format = TensorFormat::kNHWC;
  EXPECT_TRUE(tactic->Supports(*node).ok());
}

}  // namespace
}  // namespace kiln
