#include "ops/range.h"

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
using testutil::Typed;

// Expects `status` to fail with a message containing every one of `parts`.
void ExpectError(const absl::Status& status, std::vector<std::string> parts) {
  ASSERT_FALSE(status.ok());
  for (const std::string& part : parts) {
    EXPECT_NE(status.message().find(part), std::string::npos)
        << "'" << part << "' not in: " << status;
  }
}

std::vector<float> Range(RangeParams p, DataType* type = nullptr) {
  auto out = RunOp(kRangeOp, p.ToAttrs(), {});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  EXPECT_EQ((*out)[0].dims().size(), 1u);
  if (type != nullptr) *type = (*out)[0].dtype();
  return ToFloats((*out)[0]);
}

TEST(RangeTest, OnnxExamples) {
  // test_range_float_type_positive_delta: 1, 5, 2 -> [1, 3] (ceil(4/2) = 2 elements).
  DataType type;
  EXPECT_EQ(Range({1, 5, 2, DataType::kFloat32}, &type), (std::vector<float>{1, 3}));
  EXPECT_EQ(type, DataType::kFloat32);
  // test_range_int32_type_negative_delta: 10, 6, -3 -> [10, 7] (ceil(-4/-3) = 2).
  EXPECT_EQ(Range({10, 6, -3, DataType::kInt32}, &type), (std::vector<float>{10, 7}));
  EXPECT_EQ(type, DataType::kInt32);
}

TEST(RangeTest, FractionalDeltaAndEmptyRange) {
  // 0 to 1 by 0.25: ceil(4) = 4 elements, limit excluded.
  EXPECT_EQ(Range({0, 1, 0.25f, DataType::kFloat32}), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
  // 0 to 1 by 0.3: ceil(3.33) = 4 elements; 0.3 is inexact, so compare loosely.
  auto v = Range({0, 1, 0.3f, DataType::kFloat16});
  ASSERT_EQ(v.size(), 4u);
  EXPECT_NEAR(v[3], 0.9f, 1e-3);
  // The limit on the wrong side of start: no elements.
  EXPECT_TRUE(Range({5, 1, 1, DataType::kInt64}).empty());
}

TEST(RangeTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  ExpectError(AddRange(net, "r1", {0, 4, 0, DataType::kFloat32}).status(), {"r1", "nonzero"});
  ExpectError(AddRange(net, "r2", {0, 4, 1, DataType::kBool}).status(), {"r2", "bool"});
  const float inf = std::numeric_limits<float>::infinity();
  ExpectError(AddRange(net, "r3", {0, inf, 1, DataType::kFloat32}).status(), {"r3", "finite"});
  ExpectError(AddRange(net, "r4", {0, 1e30f, 1e-30f, DataType::kFloat32}).status(),
              {"r4", "too many"});
  AttrMap bad = RangeParams{}.ToAttrs();
  bad.Set("dtype", "complex64");
  ExpectError(net.AddLayer1("r5", kRangeOp, {}, bad).status(), {"r5", "complex64"});
  auto ok = AddRange(net, "r6", {2, 9, 3, DataType::kInt64});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{3}));
}

// limit_refs: Range(0, seq) with seq read from an input's dims.
TEST(RangeTest, LimitFromAnInputDim) {
  RangeParams params;
  params.dtype = DataType::kInt64;
  params.limit = 1000;  // replaced by the referenced dim
  params.limit_refs = {DimRef{0, 1}};
  const OpInput shape_of = Typed<int64_t>(DataType::kInt64, {2, 5}, std::vector<int64_t>(10, 3));
  auto out = RunOp(kRangeOp, params.ToAttrs(), {shape_of});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{5}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace kiln
