#include "ops/compare.h"

#include <cmath>
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

std::vector<float> Cmp(CompareOp op, OpInput a, OpInput b, DataType* out_type = nullptr) {
  auto out = RunOp(kCompareOp, CompareParams{op}.ToAttrs(), {std::move(a), std::move(b)});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  if (out_type != nullptr) *out_type = (*out)[0].dtype();
  return ToFloats((*out)[0]);
}

TEST(CompareTest, EveryOpOnFloatsIncludingEqualValues) {
  // a = [1, 2, 3] vs b = [2, 2, 2]: each result read off by hand.
  auto a = [] { return Typed(DataType::kFloat32, {1, 3}, {1, 2, 3}); };
  auto b = [] { return Typed(DataType::kFloat32, {1, 3}, {2, 2, 2}); };
  DataType type;
  EXPECT_EQ(Cmp(CompareOp::kEqual, a(), b(), &type), (std::vector<float>{0, 1, 0}));
  EXPECT_EQ(type, DataType::kBool);
  EXPECT_EQ(Cmp(CompareOp::kLess, a(), b()), (std::vector<float>{1, 0, 0}));
  EXPECT_EQ(Cmp(CompareOp::kLessOrEqual, a(), b()), (std::vector<float>{1, 1, 0}));
  EXPECT_EQ(Cmp(CompareOp::kGreater, a(), b()), (std::vector<float>{0, 0, 1}));
  EXPECT_EQ(Cmp(CompareOp::kGreaterOrEqual, a(), b()), (std::vector<float>{0, 1, 1}));
}

TEST(CompareTest, BroadcastsBothWays) {
  // a is a 2x1 column [[1],[3]], b a 1x3 row [1,2,3]: out[i][j] = a[i] < b[j].
  auto out = Cmp(CompareOp::kLess, Typed(DataType::kInt32, {2, 1}, {1, 3}),
                 Typed(DataType::kInt32, {3}, {1, 2, 3}));
  EXPECT_EQ(out, (std::vector<float>{0, 1, 1, 0, 0, 0}));
}

TEST(CompareTest, Int64KeepsFullPrecision) {
  // 2^53 and 2^53 + 1 are equal as doubles but not as int64.
  const double big = 9007199254740992.0;
  Weights a(DataType::kInt64, {1, 1});
  Weights b(DataType::kInt64, {1, 1});
  a.mutable_as<int64_t>()[0] = static_cast<int64_t>(big);
  b.mutable_as<int64_t>()[0] = static_cast<int64_t>(big) + 1;
  EXPECT_EQ(Cmp(CompareOp::kEqual, {a, false}, {b, false}), (std::vector<float>{0}));
  EXPECT_EQ(Cmp(CompareOp::kLess, {a, false}, {b, false}), (std::vector<float>{1}));
}

TEST(CompareTest, BoolAndNaN) {
  // false < true; NaN is neither equal nor ordered.
  EXPECT_EQ(Cmp(CompareOp::kLess, Typed(DataType::kBool, {1, 2}, {0, 1}),
                Typed(DataType::kBool, {1, 2}, {1, 1})),
            (std::vector<float>{1, 0}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Cmp(CompareOp::kEqual, Typed(DataType::kFloat32, {1, 2}, {nan, 1}),
                Typed(DataType::kFloat32, {1, 2}, {nan, nan})),
            (std::vector<float>{0, 0}));
  EXPECT_EQ(Cmp(CompareOp::kGreaterOrEqual, Typed(DataType::kFloat32, {1, 1}, {nan}),
                Typed(DataType::kFloat32, {1, 1}, {0})),
            (std::vector<float>{0}));
}

TEST(CompareTest, Fp16ComparesHalfValues) {
  // 0.1 and 0.09999 both round to fp16 0.0999756 (neighbours 0.0999146, 0.1000366).
  EXPECT_EQ(Cmp(CompareOp::kEqual, Typed(DataType::kFloat16, {1, 2}, {0.1, -1}),
                Typed(DataType::kFloat16, {1, 2}, {0.09999, 2})),
            (std::vector<float>{1, 0}));
  EXPECT_EQ(Cmp(CompareOp::kGreater, Typed(DataType::kFloat16, {1, 2}, {0.5, -1}),
                Typed(DataType::kFloat16, {1, 2}, {0.25, 2})),
            (std::vector<float>{1, 0}));
}

TEST(CompareTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId f = *net.AddInput("f", DataType::kFloat32, {1, 3});
  TensorId g = *net.AddInput("g", DataType::kFloat32, {1, 4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {1, 3});
  TensorId q = *net.AddInput("q", DataType::kInt8, {1, 3});
  ExpectError(AddCompare(net, "c1", f, i, CompareOp::kLess).status(),
              {"c1", "different types", "fp32", "int32"});
  ExpectError(AddCompare(net, "c2", f, g, CompareOp::kLess).status(),
              {"c2", "do not broadcast", "1x3", "1x4"});
  ExpectError(AddCompare(net, "c3", q, q, CompareOp::kLess).status(), {"c3", "int8"});
  AttrMap bad;
  bad.Set("op", "not_equal");
  ExpectError(net.AddLayer1("c4", kCompareOp, {f, f}, bad).status(), {"c4", "not_equal"});
  ExpectError(net.AddLayer1("c5", kCompareOp, {f}, CompareParams{}.ToAttrs()).status(),
              {"c5", "2"});
  auto ok = AddCompare(net, "c6", f, f, CompareOp::kEqual);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dtype, DataType::kBool);
}

}  // namespace
}  // namespace kiln
