#include "ops/mod.h"

#include <cmath>
#include <cstdint>
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

std::vector<float> Mod(bool fmod, OpInput a, OpInput b) {
  auto out = RunOp(kModOp, ModParams{fmod}.ToAttrs(), {std::move(a), std::move(b)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

// ONNX's mixed-sign example: a = [-4, 7, 5, 4, -7, 8], b = [2, -3, 8, -2, 3, 5].
const std::vector<double> kA = {-4, 7, 5, 4, -7, 8};
const std::vector<double> kB = {2, -3, 8, -2, 3, 5};

TEST(ModTest, IntegerSignFollowsDivisor) {
  // Python %: 7 % -3 = -2, -7 % 3 = 2 (test_mod_mixed_sign_int32 expects [0,-2,5,0,2,3]).
  EXPECT_EQ(Mod(false, Typed(DataType::kInt32, {6}, kA), Typed(DataType::kInt32, {6}, kB)),
            (std::vector<float>{0, -2, 5, 0, 2, 3}));
  EXPECT_EQ(Mod(false, Typed(DataType::kInt8, {6}, kA), Typed(DataType::kInt8, {6}, kB)),
            (std::vector<float>{0, -2, 5, 0, 2, 3}));
}

TEST(ModTest, FmodSignFollowsDividend) {
  // C fmod: 7 fmod -3 = 1, -7 fmod 3 = -1 (the sign rule of test_mod_mixed_sign_float32).
  EXPECT_EQ(Mod(true, Typed(DataType::kFloat32, {6}, kA), Typed(DataType::kFloat32, {6}, kB)),
            (std::vector<float>{0, 1, 5, 0, -1, 3}));
  EXPECT_EQ(Mod(true, Typed(DataType::kInt64, {6}, kA), Typed(DataType::kInt64, {6}, kB)),
            (std::vector<float>{0, 1, 5, 0, -1, 3}));
  // Fractions: 5.5 fmod 2 = 1.5; -5.5 fmod 2 = -1.5.
  EXPECT_EQ(Mod(true, Typed(DataType::kFloat16, {2}, {5.5, -5.5}),
                Typed(DataType::kFloat16, {2}, {2, 2})),
            (std::vector<float>{1.5f, -1.5f}));
}

TEST(ModTest, BroadcastAndDivisionByZeroOrMinusOne) {
  // test_mod_broadcast: a = 0..17 as 3x2x3, b = [7] -> a % 7.
  std::vector<double> a(18);
  std::vector<float> expected(18);
  for (int i = 0; i < 18; ++i) {
    a[i] = i;
    expected[i] = static_cast<float>(i % 7);
  }
  EXPECT_EQ(Mod(false, Typed(DataType::kInt32, {3, 2, 3}, a), Typed(DataType::kInt32, {1}, {7})),
            expected);
  // x mod 0 is 0 for integers; INT32_MIN mod -1 is 0 without trapping.
  EXPECT_EQ(Mod(false, Typed(DataType::kInt32, {2}, {5, -2147483648.0}),
                Typed(DataType::kInt32, {2}, {0, -1})),
            (std::vector<float>{0, 0}));
  auto f = Mod(true, Typed(DataType::kFloat32, {1}, {5}), Typed(DataType::kFloat32, {1}, {0}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(std::isnan(f[0]));
}

TEST(ModTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId f = *net.AddInput("f", DataType::kFloat32, {1, 3});
  TensorId i = *net.AddInput("i", DataType::kInt32, {1, 3});
  TensorId i4 = *net.AddInput("i4", DataType::kInt32, {1, 4});
  TensorId b = *net.AddInput("b", DataType::kBool, {1, 3});
  ExpectError(AddMod(net, "m1", f, f, {false}).status(), {"m1", "fmod is 0", "fp32"});
  ExpectError(AddMod(net, "m2", f, i, {true}).status(), {"m2", "different types"});
  ExpectError(AddMod(net, "m3", i, i4, {false}).status(), {"m3", "do not broadcast"});
  ExpectError(AddMod(net, "m4", b, b, {true}).status(), {"m4", "bool"});
  AttrMap bad;
  bad.Set("fmod", 2);
  ExpectError(net.AddLayer1("m5", kModOp, {i, i}, bad).status(), {"m5", "fmod is 2"});
  EXPECT_TRUE(AddMod(net, "m6", f, f, {true}).ok());
}

}  // namespace
}  // namespace kiln
