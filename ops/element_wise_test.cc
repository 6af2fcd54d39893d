#include "ops/element_wise.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectError;
using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

// Runs `op` on float inputs; returns output dims and values.
std::pair<Dims, std::vector<float>> RunFloat(ElementWiseOp op, testutil::OpInput a,
                                             testutil::OpInput b) {
  auto out = RunOp(kElementWiseOp, ElementWiseParams{op}.ToAttrs(), {a, b});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  return {(*out)[0].dims(), ToFloats((*out)[0])};
}

template <typename T>
testutil::OpInput IntTensor(DataType type, Dims dims, std::vector<T> values) {
  Weights w(type, std::move(dims));
  for (size_t i = 0; i < values.size(); ++i) w.mutable_as<T>()[i] = values[i];
  return {w, false};
}

template <typename T>
std::vector<T> RunInt(ElementWiseOp op, DataType type, std::vector<T> a, std::vector<T> b) {
  const int64_t n = static_cast<int64_t>(a.size());
  auto out = RunOp(kElementWiseOp, ElementWiseParams{op}.ToAttrs(),
                   {IntTensor<T>(type, {n}, a), IntTensor<T>(type, {n}, b)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dtype(), type);
  const T* p = (*out)[0].template as<T>();
  return std::vector<T>(p, p + n);
}

TEST(ElementWiseTest, HandCheckedFloatOps) {
  // [[1,2,3],[4,5,6]] + [10,20,30]: the row broadcasts over both rows.
  auto sum = RunFloat(ElementWiseOp::kSum, In({2, 3}, {1, 2, 3, 4, 5, 6}), In({3}, {10, 20, 30}));
  EXPECT_EQ(sum.first, (Dims{2, 3}));
  EXPECT_EQ(sum.second, (std::vector<float>{11, 22, 33, 14, 25, 36}));
  // Column [1,2] minus row [1,2,3]: out[i][j] = a[i] - b[j].
  auto sub = RunFloat(ElementWiseOp::kSub, In({2, 1}, {1, 2}), In({1, 3}, {1, 2, 3}));
  EXPECT_EQ(sub.first, (Dims{2, 3}));
  EXPECT_EQ(sub.second, (std::vector<float>{0, -1, -2, 1, 0, -1}));
  // Times a rank-0 scalar 2.
  auto prod = RunFloat(ElementWiseOp::kProd, In({2, 2}, {1, 2, 3, 4}), In({}, {2}));
  EXPECT_EQ(prod.first, (Dims{2, 2}));
  EXPECT_EQ(prod.second, (std::vector<float>{2, 4, 6, 8}));
  EXPECT_EQ(RunFloat(ElementWiseOp::kDiv, In({3}, {1, -3, 7}), In({3}, {2, 2, -2})).second,
            (std::vector<float>{0.5f, -1.5f, -3.5f}));
  EXPECT_EQ(RunFloat(ElementWiseOp::kMax, In({3}, {1, 5, -2}), In({3}, {3, 4, -2})).second,
            (std::vector<float>{3, 5, -2}));
  EXPECT_EQ(RunFloat(ElementWiseOp::kMin, In({3}, {1, 5, -2}), In({3}, {3, 4, -2})).second,
            (std::vector<float>{1, 4, -2}));
  // 2^3, 9^0.5, 4^-1.
  EXPECT_EQ(RunFloat(ElementWiseOp::kPow, In({3}, {2, 9, 4}), In({3}, {3, 0.5f, -1})).second,
            (std::vector<float>{8, 3, 0.25f}));
}

TEST(ElementWiseTest, BroadcastsBothWaysAcrossRanks) {
  // a (2,1,3) = i*3+k, b (4,1) = 100*j: out (2,4,3)[i][j][k] = i*3+k + 100*j.
  std::vector<float> a_values, b_values = {0, 100, 200, 300};
  for (int i = 0; i < 6; ++i) a_values.push_back(i);
  auto out = RunFloat(ElementWiseOp::kSum, In({2, 1, 3}, a_values), In({4, 1}, b_values));
  ASSERT_EQ(out.first, (Dims{2, 4, 3}));
  std::vector<float> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) expected.push_back(i * 3 + k + 100 * j);
  EXPECT_EQ(out.second, expected);
  // Per-channel constant (1,C,1,1) against NCHW (2,2,1,2): c0 + 10, c1 + 20.
  auto nchw = RunFloat(ElementWiseOp::kSum, In({2, 2, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8}),
                       In({1, 2, 1, 1}, {10, 20}));
  EXPECT_EQ(nchw.second, (std::vector<float>{11, 12, 23, 24, 15, 16, 27, 28}));
}

TEST(ElementWiseTest, IntegerSemantics) {
  using I32 = std::numeric_limits<int32_t>;
  using I64 = std::numeric_limits<int64_t>;
  // Truncation toward zero; x / 0 is 0; MIN / -1 wraps to MIN.
  EXPECT_EQ(RunInt<int32_t>(ElementWiseOp::kDiv, DataType::kInt32, {7, -7, 7, -7, 5, I32::min()},
                            {2, 2, -2, -2, 0, -1}),
            (std::vector<int32_t>{3, -3, -3, 3, 0, I32::min()}));
  // 2^10, 3^0, (-2)^3, 1^-5, (-1)^-3, 5^-1 truncates to 0, 0^-1 defined as 0.
  EXPECT_EQ(RunInt<int32_t>(ElementWiseOp::kPow, DataType::kInt32, {2, 3, -2, 1, -1, 5, 0},
                            {10, 0, 3, -5, -3, -1, -1}),
            (std::vector<int32_t>{1024, 1, -8, 1, -1, 0, 0}));
  // Overflow wraps (two's complement).
  EXPECT_EQ(RunInt<int64_t>(ElementWiseOp::kSum, DataType::kInt64, {I64::max(), 5}, {1, -7}),
            (std::vector<int64_t>{I64::min(), -2}));
  EXPECT_EQ(RunInt<int64_t>(ElementWiseOp::kProd, DataType::kInt64, {3, -4}, {5, 6}),
            (std::vector<int64_t>{15, -24}));
  EXPECT_EQ(RunInt<int64_t>(ElementWiseOp::kMax, DataType::kInt64, {3, -4}, {5, -6}),
            (std::vector<int64_t>{5, -4}));
  EXPECT_EQ(RunInt<int32_t>(ElementWiseOp::kMin, DataType::kInt32, {3, -4}, {5, -6}),
            (std::vector<int32_t>{3, -6}));
  EXPECT_EQ(RunInt<int32_t>(ElementWiseOp::kSub, DataType::kInt32, {3, -4}, {5, -6}),
            (std::vector<int32_t>{-2, 2}));
}

TEST(ElementWiseTest, Fp16Inputs) {
  Weights a(DataType::kFloat16, {1, 2});
  Weights b(DataType::kFloat16, {1});
  a.mutable_as<uint16_t>()[0] = FloatToHalf(1.5f);
  a.mutable_as<uint16_t>()[1] = FloatToHalf(-3.0f);
  b.mutable_as<uint16_t>()[0] = FloatToHalf(0.5f);
  auto out = RunOp(kElementWiseOp, ElementWiseParams{ElementWiseOp::kProd}.ToAttrs(),
                   {{a, false}, {b, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0.75f, -1.5f}));
}

TEST(ElementWiseTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId a = *net.AddInput("a", DataType::kFloat32, {2, 3, 4});
  TensorId b = *net.AddInput("b", DataType::kFloat32, {3, 1});
  TensorId c = *net.AddInput("c", DataType::kFloat32, {4, 1});
  TensorId h = *net.AddInput("h", DataType::kFloat16, {2, 3, 4});
  TensorId q = *net.AddInput("q", DataType::kInt8, {2, 3, 4});
  AttrMap bad;
  bad.Set("op", "mod");
  ExpectError(net.AddLayer1("e1", kElementWiseOp, {a, a}, bad), {"e1", "unknown", "'mod'"});
  ExpectError(AddElementWise(net, "e2", a, h, ElementWiseOp::kSum),
              {"e2", "different types", "fp32", "fp16"});
  ExpectError(AddElementWise(net, "e3", q, q, ElementWiseOp::kSum), {"e3", "int8"});
  ExpectError(AddElementWise(net, "e4", a, c, ElementWiseOp::kSum),
              {"e4", "do not broadcast", "2x3x4 vs 4x1", "need 3 and 4"});
  auto ok = AddElementWise(net, "ok", b, a, ElementWiseOp::kMax);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{2, 3, 4}));
}

}  // namespace
}  // namespace kiln
