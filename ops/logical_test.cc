#include "ops/logical.h"

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

std::vector<float> Logic(LogicalOp op, std::vector<OpInput> inputs) {
  auto out = RunOp(kLogicalOp, LogicalParams{op}.ToAttrs(), inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dtype(), DataType::kBool);
  return ToFloats((*out)[0]);
}

TEST(LogicalTest, TruthTables) {
  // a = [F F T T], b = [F T F T]: the four rows of each truth table.
  auto a = [] { return Typed(DataType::kBool, {1, 4}, {0, 0, 1, 1}); };
  auto b = [] { return Typed(DataType::kBool, {1, 4}, {0, 1, 0, 1}); };
  EXPECT_EQ(Logic(LogicalOp::kAnd, {a(), b()}), (std::vector<float>{0, 0, 0, 1}));
  EXPECT_EQ(Logic(LogicalOp::kOr, {a(), b()}), (std::vector<float>{0, 1, 1, 1}));
  EXPECT_EQ(Logic(LogicalOp::kXor, {a(), b()}), (std::vector<float>{0, 1, 1, 0}));
  EXPECT_EQ(Logic(LogicalOp::kNot, {a()}), (std::vector<float>{1, 1, 0, 0}));
}

TEST(LogicalTest, BroadcastsAndReadsAnyNonzeroByteAsTrue) {
  // a: 2x1 [[T],[F]], b: row [T F T] -> and: [[T F T],[F F F]]; xor: [[F T F],[T F T]].
  Weights a(DataType::kBool, {2, 1});
  a.mutable_as<uint8_t>()[0] = 7;  // not a canonical 1, still true
  a.mutable_as<uint8_t>()[1] = 0;
  OpInput b = Typed(DataType::kBool, {3}, {1, 0, 1});
  EXPECT_EQ(Logic(LogicalOp::kAnd, {{a, false}, b}), (std::vector<float>{1, 0, 1, 0, 0, 0}));
  EXPECT_EQ(Logic(LogicalOp::kXor, {{a, false}, b}), (std::vector<float>{0, 1, 0, 1, 0, 1}));
}

TEST(LogicalTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId p = *net.AddInput("p", DataType::kBool, {1, 3});
  TensorId q = *net.AddInput("q", DataType::kBool, {1, 2});
  TensorId f = *net.AddInput("f", DataType::kFloat32, {1, 3});
  ExpectError(AddLogical(net, "l1", p, f, LogicalOp::kAnd).status(), {"l1", "fp32", "bool"});
  ExpectError(AddLogical(net, "l2", p, q, LogicalOp::kOr).status(),
              {"l2", "do not broadcast", "1x3", "1x2"});
  ExpectError(AddLogicalNot(net, "l3", f).status(), {"l3", "fp32"});
  ExpectError(
      net.AddLayer1("l4", kLogicalOp, {p}, LogicalParams{LogicalOp::kXor}.ToAttrs()).status(),
      {"l4", "'xor' takes 2"});
  ExpectError(
      net.AddLayer1("l5", kLogicalOp, {p, p}, LogicalParams{LogicalOp::kNot}.ToAttrs()).status(),
      {"l5", "'not' takes 1"});
  AttrMap bad;
  bad.Set("op", "nand");
  ExpectError(net.AddLayer1("l6", kLogicalOp, {p, p}, bad).status(), {"l6", "nand"});
  auto ok = AddLogicalNot(net, "l7", p);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{1, 3}));
}

}  // namespace
}  // namespace kiln
