#include "ops/unary.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::In;
using testutil::RunOp;
using testutil::ToFloats;

constexpr float kPi = 3.14159265358979f;
constexpr float kLn2 = 0.69314718056f;

std::vector<float> Unary(UnaryOp op, std::vector<float> x) {
  auto out =
      RunOp(kUnaryOp, UnaryParams{op}.ToAttrs(), {In({1, static_cast<int64_t>(x.size())}, x)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

struct Case {
  UnaryOp op;
  std::vector<float> x;
  std::vector<float> expected;
};

TEST(UnaryTest, EveryOpByHand) {
  // Values from identities: sinh(ln 2) = (2 - 1/2)/2, cosh(ln 2) = (2 + 1/2)/2,
  // atanh(0.6) = ln((1+.6)/(1-.6))/2 = ln 2, erf(0.5) from tables.
  const Case cases[] = {
      {UnaryOp::kExp, {0, 1, -kLn2}, {1, 2.7182818f, 0.5f}},
      {UnaryOp::kLog, {1, 2.7182818f, 0.5f}, {0, 1, -kLn2}},
      {UnaryOp::kSqrt, {4, 0, 2.25f}, {2, 0, 1.5f}},
      {UnaryOp::kRecip, {4, -0.5f}, {0.25f, -2}},
      {UnaryOp::kAbs, {-3, 2, 0}, {3, 2, 0}},
      {UnaryOp::kNeg, {2, -1.5f}, {-2, 1.5f}},
      {UnaryOp::kSin, {0, kPi / 2, kPi / 6}, {0, 1, 0.5f}},
      {UnaryOp::kCos, {0, kPi / 3}, {1, 0.5f}},
      {UnaryOp::kTan, {0, kPi / 4}, {0, 1}},
      {UnaryOp::kAsin, {1, 0.5f}, {kPi / 2, kPi / 6}},
      {UnaryOp::kAcos, {1, 0.5f}, {0, kPi / 3}},
      {UnaryOp::kAtan, {1, 0}, {kPi / 4, 0}},
      {UnaryOp::kSinh, {0, kLn2}, {0, 0.75f}},
      {UnaryOp::kCosh, {0, kLn2}, {1, 1.25f}},
      {UnaryOp::kAsinh, {0.75f}, {kLn2}},
      {UnaryOp::kAcosh, {1.25f, 1}, {kLn2, 0}},
      {UnaryOp::kAtanh, {0.6f, 0}, {kLn2, 0}},
      {UnaryOp::kCeil, {-1.5f, 1.2f, 3}, {-1, 2, 3}},
      {UnaryOp::kFloor, {-1.5f, 1.8f, 3}, {-2, 1, 3}},
      // Halves go to the even neighbour.
      {UnaryOp::kRound, {0.5f, 1.5f, 2.5f, -1.5f, -2.5f, 1.4f, 2.6f}, {0, 2, 2, -2, -2, 1, 3}},
      {UnaryOp::kErf, {0, 0.5f, -0.5f, 10}, {0, 0.5204999f, -0.5204999f, 1}},
      {UnaryOp::kSign, {-3, 0, 2.5f}, {-1, 0, 1}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(UnaryOpName(c.op)));
    const std::vector<float> y = Unary(c.op, c.x);
    ASSERT_EQ(y.size(), c.expected.size());
    for (size_t i = 0; i < y.size(); ++i) {
      EXPECT_NEAR(y[i], c.expected[i], 2e-6f * std::max(1.0f, std::fabs(c.expected[i])))
          << "x = " << c.x[i];
    }
  }
  EXPECT_TRUE(std::isnan(Unary(UnaryOp::kLog, {-1})[0]));
  EXPECT_TRUE(std::isinf(Unary(UnaryOp::kRecip, {0})[0]));
  EXPECT_TRUE(std::isnan(Unary(UnaryOp::kSign, {NAN})[0]));
}

TEST(UnaryTest, Fp16Input) {
  Weights x(DataType::kFloat16, {1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(2.5f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(-0.5f);
  auto out = RunOp(kUnaryOp, UnaryParams{UnaryOp::kRound}.ToAttrs(), {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{2.0f, -0.0f}));
}

TEST(UnaryTest, RejectsUnknownOpAndIntInput) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  TensorId i = *net.AddInput("i", DataType::kInt64, {1, 4});
  AttrMap bad;
  bad.Set("op", "cbrt");
  auto s1 = net.AddLayer1("u1", kUnaryOp, {x}, bad);
  ASSERT_FALSE(s1.ok());
  EXPECT_NE(s1.status().message().find("u1"), std::string::npos) << s1.status();
  EXPECT_NE(s1.status().message().find("unknown unary op 'cbrt'"), std::string::npos)
      << s1.status();
  auto s2 = AddUnary(net, "u2", i, UnaryOp::kAbs);
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.status().message().find("u2"), std::string::npos) << s2.status();
  EXPECT_NE(s2.status().message().find("int64"), std::string::npos) << s2.status();
  auto ok = AddUnary(net, "ok", x, UnaryOp::kSqrt);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{1, 4}));
}

}  // namespace
}  // namespace kiln
