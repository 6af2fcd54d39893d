#include "ops/matmul_integer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::OpInput;
using testutil::RunOp;

OpInput Int32s(Dims dims, const std::vector<int32_t>& values) {
  Weights w(DataType::kInt32, std::move(dims));
  for (size_t i = 0; i < values.size(); ++i) w.mutable_as<int32_t>()[i] = values[i];
  return {std::move(w), false};
}

std::vector<int32_t> Values(const Weights& w) {
  return std::vector<int32_t>(w.as<int32_t>(), w.as<int32_t>() + Volume(w.dims()));
}

void ExpectError(const absl::Status& status, std::vector<std::string> parts) {
  ASSERT_FALSE(status.ok());
  for (const std::string& part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "'" << part << "' not in: " << status;
  }
}

TEST(MatMulIntegerTest, HandChecked) {
  // Centered (zero point already subtracted) A = [[-1,-10,-9],[-6,-8,-7],
  // [-8,-7,-6],[-10,-9,-8]], B = [[1,4],[2,5],[3,6]], by hand:
  // row 0: -1*1 - 10*2 - 9*3 = -48, -1*4 - 10*5 - 9*6 = -108; row 3: -52, -133.
  auto out = RunOp(kMatMulIntegerOp, AttrMap(),
                   {Int32s({4, 3}, {-1, -10, -9, -6, -8, -7, -8, -7, -6, -10, -9, -8}),
                    Int32s({3, 2}, {1, 4, 2, 5, 3, 6})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{4, 2}));
  EXPECT_EQ(Values((*out)[0]),
            (std::vector<int32_t>{-48, -108, -43, -106, -40, -103, -52, -133}));
}

TEST(MatMulIntegerTest, BroadcastBatchAndLargeValues) {
  // a is (2, 1, 2), b is (2, 1) broadcast over a's batch: [x, y] . [1000, -70000].
  // 255 * 1000 + 200 * -70000 = -13745000 (beyond fp32's exact integers when summed larger).
  auto out = RunOp(kMatMulIntegerOp, AttrMap(),
                   {Int32s({2, 1, 2}, {255, 200, -3, 4}), Int32s({2, 1}, {1000, -70000})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{2, 1, 1}));
  EXPECT_EQ(Values((*out)[0]), (std::vector<int32_t>{-13745000, -283000}));
  // 16777217 = 2^24 + 1 is not an fp32 value; the integer path keeps it.
  out = RunOp(kMatMulIntegerOp, AttrMap(),
              {Int32s({1, 2}, {4096, 1}), Int32s({2, 1}, {4096, 1})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Values((*out)[0]), (std::vector<int32_t>{16777217}));
}

TEST(MatMulIntegerTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId f = *net.AddInput("f", DataType::kFloat32, {2, 3});
  TensorId a = *net.AddInput("a", DataType::kInt32, {2, 3});
  TensorId v = *net.AddInput("v", DataType::kInt32, {3});
  TensorId b4 = *net.AddInput("b4", DataType::kInt32, {4, 2});
  TensorId a23 = *net.AddInput("a23", DataType::kInt32, {2, 2, 3});
  TensorId b33 = *net.AddInput("b33", DataType::kInt32, {3, 3, 2});
  ExpectError(AddMatMulInteger(net, "q1", f, a).status(), {"q1", "fp32", "int32"});
  ExpectError(AddMatMulInteger(net, "q2", a, v).status(), {"q2", "rank >= 2"});
  ExpectError(AddMatMulInteger(net, "q3", a, b4).status(), {"q3", "inner dims differ"});
  ExpectError(AddMatMulInteger(net, "q4", a23, b33).status(), {"q4", "do not broadcast"});
}

}  // namespace
}  // namespace kiln
