#include "ops/arg_reduce.h"

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

// Returns {dims..., -1, values...} flattened, so one EXPECT_EQ checks both.
std::vector<float> Arg(const ArgReduceParams& p, OpInput in) {
  auto out = RunOp(kArgReduceOp, p.ToAttrs(), {std::move(in)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dtype(), DataType::kInt64);
  std::vector<float> r((*out)[0].dims().begin(), (*out)[0].dims().end());
  r.push_back(-1);
  for (float v : ToFloats((*out)[0])) r.push_back(v);
  return r;
}

// x = [[2, 1], [3, 10]] as in ONNX's examples, plus a tie row.
OpInput X() { return Typed(DataType::kFloat32, {3, 2}, {2, 1, 3, 10, 5, 5}); }

TEST(ArgReduceTest, MaxAndMinAlongEachAxis) {
  // Axis 1 (per row): max -> [0, 1, 0 (tie: first)]; min -> [1, 0, 0].
  EXPECT_EQ(Arg({ArgReduceOp::kMax, 1, true, false}, X()), (std::vector<float>{3, 1, -1, 0, 1, 0}));
  EXPECT_EQ(Arg({ArgReduceOp::kMin, 1, true, false}, X()), (std::vector<float>{3, 1, -1, 1, 0, 0}));
  // Axis 0 (per column): column 0 = [2,3,5] -> max 2, min 0; column 1 = [1,10,5] -> 1, 0.
  EXPECT_EQ(Arg({ArgReduceOp::kMax, 0, false, false}, X()), (std::vector<float>{2, -1, 2, 1}));
  EXPECT_EQ(Arg({ArgReduceOp::kMin, 0, false, false}, X()), (std::vector<float>{2, -1, 0, 0}));
}

TEST(ArgReduceTest, NegativeAxisAndSelectLastIndex) {
  // axis -1 == 1; the tie row [5, 5] gives index 1 with select_last_index.
  EXPECT_EQ(Arg({ArgReduceOp::kMax, -1, false, true}, X()), (std::vector<float>{3, -1, 0, 1, 1}));
  EXPECT_EQ(Arg({ArgReduceOp::kMin, -1, false, true}, X()), (std::vector<float>{3, -1, 1, 0, 1}));
}

TEST(ArgReduceTest, IntegersAndMiddleAxis) {
  // 1x3x2 int64: along axis 1, column 0 = [4, 9, 9] (max: first 9 at 1), column 1 = [-1, -7, 0].
  EXPECT_EQ(Arg({ArgReduceOp::kMax, 1, true, false},
                Typed(DataType::kInt64, {1, 3, 2}, {4, -1, 9, -7, 9, 0})),
            (std::vector<float>{1, 1, 2, -1, 1, 2}));
  EXPECT_EQ(Arg({ArgReduceOp::kMin, -2, true, false},
                Typed(DataType::kInt32, {1, 3, 2}, {4, -1, 9, -7, 9, 0})),
            (std::vector<float>{1, 1, 2, -1, 0, 1}));
}

TEST(ArgReduceTest, Fp16AndNaN) {
  // 1.0001 rounds to 1 in fp16, so it ties with 1 and the first wins.
  EXPECT_EQ(Arg({ArgReduceOp::kMax, 1, false, false},
                Typed(DataType::kFloat16, {1, 3}, {1, 1.0001, 0.5})),
            (std::vector<float>{1, -1, 0}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(
      Arg({ArgReduceOp::kMax, 1, false, false}, Typed(DataType::kFloat32, {1, 3}, {nan, 2, 3})),
      (std::vector<float>{1, -1, 2}));
}

TEST(ArgReduceTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  TensorId b = *net.AddInput("b", DataType::kBool, {1, 4});
  ExpectError(AddArgReduce(net, "a1", x, {ArgReduceOp::kMax, 2, true, false}).status(),
              {"a1", "axis 2", "rank 2"});
  ExpectError(AddArgReduce(net, "a2", x, {ArgReduceOp::kMax, -3, true, false}).status(),
              {"a2", "axis -3"});
  ExpectError(AddArgReduce(net, "a3", b, {}).status(), {"a3", "bool"});
  // Network inputs cannot be empty, but a constant or an upstream layer's output can.
  ExpectError(testutil::MakeNodeContext(
                  kArgReduceOp, ArgReduceParams{ArgReduceOp::kMin, 1, true, false}.ToAttrs(),
                  {Typed(DataType::kFloat32, {1, 0}, {})})
                  .status(),
              {"ArgReduce", "empty"});
  AttrMap bad = ArgReduceParams{}.ToAttrs();
  bad.Set("op", "median");
  ExpectError(net.AddLayer1("a5", kArgReduceOp, {x}, bad).status(), {"a5", "median"});
  AttrMap bad_keep = ArgReduceParams{}.ToAttrs();
  bad_keep.Set("keepdims", 2);
  ExpectError(net.AddLayer1("a6", kArgReduceOp, {x}, bad_keep).status(), {"a6", "keepdims"});
  auto ok = AddArgReduce(net, "a7", x, {ArgReduceOp::kMax, 1, false, false});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{1}));
}

}  // namespace
}  // namespace kiln
