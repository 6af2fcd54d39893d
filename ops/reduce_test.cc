#include "ops/reduce.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

std::pair<Dims, std::vector<float>> Reduce(ReduceOp op, std::vector<int64_t> axes, bool keep_dims,
                                           testutil::OpInput x) {
  auto out = RunOp(kReduceOp, ReduceParams{op, std::move(axes), keep_dims}.ToAttrs(), {x});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  return {(*out)[0].dims(), ToFloats((*out)[0])};
}

std::vector<float> RowReduce(ReduceOp op, std::vector<float> x) {
  return Reduce(op, {-1}, false, In({2, 3}, std::move(x))).second;
}

const std::vector<float> k123456 = {1, 2, 3, 4, 5, 6};  // [[1,2,3],[4,5,6]]

TEST(ReduceTest, AxesAndKeepDims) {
  auto rows = Reduce(ReduceOp::kSum, {1}, true, In({2, 3}, k123456));
  EXPECT_EQ(rows.first, (Dims{2, 1}));
  EXPECT_EQ(rows.second, (std::vector<float>{6, 15}));
  auto rows_dropped = Reduce(ReduceOp::kSum, {1}, false, In({2, 3}, k123456));
  EXPECT_EQ(rows_dropped.first, (Dims{2}));
  auto cols = Reduce(ReduceOp::kSum, {0}, true, In({2, 3}, k123456));
  EXPECT_EQ(cols.first, (Dims{1, 3}));
  EXPECT_EQ(cols.second, (std::vector<float>{5, 7, 9}));
  auto all = Reduce(ReduceOp::kSum, {}, true, In({2, 3}, k123456));
  EXPECT_EQ(all.first, (Dims{1, 1}));
  EXPECT_EQ(all.second, (std::vector<float>{21}));
  auto scalar = Reduce(ReduceOp::kSum, {}, false, In({2, 3}, k123456));
  EXPECT_EQ(scalar.first, (Dims{}));
  EXPECT_EQ(scalar.second, (std::vector<float>{21}));
}

TEST(ReduceTest, NonContiguousAxes) {
  // x[a][b][c] = 6a + 2b + c over (2,3,2).
  std::vector<float> x;
  for (int i = 0; i < 12; ++i) x.push_back(i);
  // Over b: (0+2+4, 1+3+5, 6+8+10, 7+9+11).
  auto mid = Reduce(ReduceOp::kSum, {1}, true, In({2, 3, 2}, x));
  EXPECT_EQ(mid.first, (Dims{2, 1, 2}));
  EXPECT_EQ(mid.second, (std::vector<float>{6, 9, 24, 27}));
  // Over a and c: b=0: 0+1+6+7, b=1: 2+3+8+9, b=2: 4+5+10+11.
  auto outer = Reduce(ReduceOp::kSum, {0, -1}, false, In({2, 3, 2}, x));
  EXPECT_EQ(outer.first, (Dims{3}));
  EXPECT_EQ(outer.second, (std::vector<float>{14, 22, 30}));
}

TEST(ReduceTest, EveryOpByHand) {
  EXPECT_EQ(RowReduce(ReduceOp::kMean, k123456), (std::vector<float>{2, 5}));
  EXPECT_EQ(RowReduce(ReduceOp::kMax, k123456), (std::vector<float>{3, 6}));
  EXPECT_EQ(RowReduce(ReduceOp::kMin, k123456), (std::vector<float>{1, 4}));
  EXPECT_EQ(RowReduce(ReduceOp::kProd, k123456), (std::vector<float>{6, 120}));
  EXPECT_EQ(RowReduce(ReduceOp::kSumSquare, k123456), (std::vector<float>{14, 77}));  // 1+4+9
  EXPECT_EQ(RowReduce(ReduceOp::kL1, {-1, 2, -3, 4, -5, 6}), (std::vector<float>{6, 15}));
  // sqrt(0+9+16) = 5, sqrt(4+4+1) = 3.
  EXPECT_EQ(RowReduce(ReduceOp::kL2, {0, 3, -4, 2, -2, 1}), (std::vector<float>{5, 3}));
  auto log_sum = RowReduce(ReduceOp::kLogSum, k123456);
  EXPECT_FLOAT_EQ(log_sum[0], std::log(6.0f));
  EXPECT_FLOAT_EQ(log_sum[1], std::log(15.0f));
  // log(e^0 + e^log3 + e^-inf) = log 4; the row of 1000s would overflow
  // without the max shift: 1000 + log 3.
  const float inf = INFINITY;
  auto lse = RowReduce(ReduceOp::kLogSumExp, {0, std::log(3.0f), -inf, 1000, 1000, 1000});
  EXPECT_FLOAT_EQ(lse[0], std::log(4.0f));
  EXPECT_FLOAT_EQ(lse[1], 1000.0f + std::log(3.0f));
}

TEST(ReduceTest, Fp16Input) {
  Weights x(DataType::kFloat16, {1, 4});
  const float values[] = {0.5f, 1.5f, -1.0f, 3.0f};
  for (int i = 0; i < 4; ++i) x.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
  auto out = RunOp(kReduceOp, ReduceParams{ReduceOp::kMean, {1}, true}.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1.0f}));  // 4 / 4
}

TEST(ReduceTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {2, 3});
  ExpectError(AddReduce(net, "r1", i, {}), {"r1", "int32"});
  ExpectError(AddReduce(net, "r2", x, {ReduceOp::kSum, {3}}),
              {"r2", "axis 3 is out of range for rank 3", "2x3x4"});
  ExpectError(AddReduce(net, "r3", x, {ReduceOp::kSum, {-4}}), {"r3", "axis -4 is out of range"});
  ExpectError(AddReduce(net, "r4", x, {ReduceOp::kSum, {2, -1}}),
              {"r4", "axes [2,-1] name dim 2 more than once"});
  AttrMap bad_op;
  bad_op.Set("op", "median");
  ExpectError(net.AddLayer1("r5", kReduceOp, {x}, bad_op), {"r5", "unknown reduce op 'median'"});
  AttrMap bad_keep;
  bad_keep.Set("keep_dims", 3);
  ExpectError(net.AddLayer1("r6", kReduceOp, {x}, bad_keep), {"r6", "keep_dims must be 0 or 1"});
  auto ok = AddReduce(net, "ok", x, {ReduceOp::kMean, {1, 2}, false});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{2}));
}

}  // namespace
}  // namespace kiln
