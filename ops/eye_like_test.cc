#include "ops/eye_like.h"

#include <limits>
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

TEST(EyeLikeTest, MainAndOffDiagonals) {
  // The input's values are ignored (NaN here); only its dims count.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto out =
      RunOp(kEyeLikeOp, EyeLikeParams{0, 0}.ToAttrs(), {In({2, 3}, std::vector<float>(6, nan))});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat32);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 0, 0, 0, 1, 0}));
  out = RunOp(kEyeLikeOp, EyeLikeParams{0, 1}.ToAttrs(), {In({3, 3}, std::vector<float>(9, 0))});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 1, 0, 0, 0, 1, 0, 0, 0}));
  out = RunOp(kEyeLikeOp, EyeLikeParams{0, -2}.ToAttrs(), {In({3, 2}, std::vector<float>(6, 0))});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 0, 0, 0, 1, 0}));
  // k past the matrix: all zeros.
  out = RunOp(kEyeLikeOp, EyeLikeParams{0, 5}.ToAttrs(), {In({2, 2}, std::vector<float>(4, 0))});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 0, 0, 0}));
}

TEST(EyeLikeTest, DtypeAttributeAndIntInput) {
  // ONNX code 7 = int64 output from a float input.
  auto out = RunOp(kEyeLikeOp, EyeLikeParams{7, 0}.ToAttrs(), {In({2, 2}, {5, 5, 5, 5})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kInt64);
  EXPECT_EQ((*out)[0].as<int64_t>()[0], 1);
  EXPECT_EQ((*out)[0].as<int64_t>()[1], 0);
  EXPECT_EQ((*out)[0].as<int64_t>()[3], 1);
  // No dtype: the input's, here int32.
  Weights x(DataType::kInt32, {2, 2});
  out = RunOp(kEyeLikeOp, EyeLikeParams{}.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kInt32);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 0, 0, 1}));
}

TEST(EyeLikeTest, Fp16) {
  auto out = RunOp(kEyeLikeOp, EyeLikeParams{10, 0}.ToAttrs(), {In({2, 2}, {0, 0, 0, 0})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ((*out)[0].as<uint16_t>()[0], 0x3c00);  // fp16 1.0
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 0, 0, 1}));
}

TEST(EyeLikeTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId v = *net.AddInput("v", DataType::kFloat32, {4});
  TensorId m = *net.AddInput("m", DataType::kFloat32, {4, 4});
  ExpectError(AddEyeLike(net, "e1", v, {}), {"e1", "has dims 4", "expects 2 dims"});
  ExpectError(AddEyeLike(net, "e2", m, {11, 0}), {"e2", "'dtype' is 11", "7 (int64)"});
  EXPECT_TRUE(AddEyeLike(net, "ok", m, {9, -1}).ok());
}

}  // namespace
}  // namespace kiln
