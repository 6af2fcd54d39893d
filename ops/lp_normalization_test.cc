#include "ops/lp_normalization.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

template <typename T>
void ExpectError(const absl::StatusOr<T>& s, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(s.ok()) << "expected an error containing '" << *parts.begin() << "'";
  for (const char* part : parts) {
    EXPECT_NE(s.status().message().find(part), std::string::npos)
        << "missing '" << part << "' in: " << s.status();
  }
}

std::vector<float> Norm(int64_t axis, int64_t p, Dims dims, std::vector<float> x) {
  auto out = RunOp(kLpNormalizationOp, LpNormalizationParams{axis, p}.ToAttrs(),
                   {In(std::move(dims), std::move(x))});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(LpNormalizationTest, L2LastAxis) {
  // Rows [3,4] (norm 5) and [0,-2] (norm 2); a zero row stays zero.
  EXPECT_EQ(Norm(-1, 2, {3, 2}, {3, 4, 0, -2, 0, 0}),
            (std::vector<float>{0.6f, 0.8f, 0, -1, 0, 0}));
}

TEST(LpNormalizationTest, L1AlongAxis0) {
  // Columns of 2x2 [[1,-6],[3,2]]: |1|+|3| = 4, |-6|+|2| = 8.
  EXPECT_EQ(Norm(0, 1, {2, 2}, {1, -6, 3, 2}), (std::vector<float>{0.25f, -0.75f, 0.75f, 0.25f}));
}

TEST(LpNormalizationTest, MiddleAxis) {
  // 1x2x2, axis 1: lines (x[0][0], x[1][0]) = (3, 4) and (x[0][1], x[1][1]) = (0, 5).
  EXPECT_EQ(Norm(1, 2, {1, 2, 2}, {3, 0, 4, 5}), (std::vector<float>{0.6f, 0, 0.8f, 1}));
}

TEST(LpNormalizationTest, Fp16) {
  Weights x(DataType::kFloat16, {1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(-3.0f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(1.0f);
  auto out = RunOp(kLpNormalizationOp, LpNormalizationParams{-1, 1}.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-0.75f, 0.25f}));
}

TEST(LpNormalizationTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId i = *net.AddInput("i", DataType::kInt32, {2, 3});
  ExpectError(AddLpNormalization(net, "n1", i, {}), {"n1", "int32"});
  ExpectError(AddLpNormalization(net, "n2", x, {2, 2}),
              {"n2", "axis 2 is out of range", "-2 <= axis < 2"});
  ExpectError(AddLpNormalization(net, "n3", x, {-3, 2}), {"n3", "axis -3 is out of range"});
  ExpectError(AddLpNormalization(net, "n4", x, {1, 3}), {"n4", "'p' is 3", "1 or 2"});
  EXPECT_TRUE(AddLpNormalization(net, "ok", x, {0, 1}).ok());
}

}  // namespace
}  // namespace kiln
