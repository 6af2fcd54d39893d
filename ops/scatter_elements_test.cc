#include "ops/scatter_elements.h"

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

std::vector<float> Scatter(const ScatterElementsParams& p, OpInput data, OpInput indices,
                           OpInput updates) {
  auto out = RunOp(kScatterElementsOp, p.ToAttrs(),
                   {std::move(data), std::move(indices), std::move(updates)});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

TEST(ScatterElementsTest, OnnxExamples) {
  // test_scatter_elements_without_axis: data 3x3 zeros, indices [[1,0,2],[0,2,1]],
  // updates [[1,1.1,1.2],[2,2.1,2.2]], axis 0: out[idx[i][j]][j] = upd[i][j].
  auto v = Scatter({0, ScatterReduction::kNone},
                   Typed(DataType::kFloat32, {3, 3}, std::vector<double>(9, 0)),
                   Typed(DataType::kInt64, {2, 3}, {1, 0, 2, 0, 2, 1}),
                   Typed(DataType::kFloat32, {2, 3}, {1, 1.1, 1.2, 2, 2.1, 2.2}));
  EXPECT_EQ(v, (std::vector<float>{2, 1.1f, 0, 1, 0, 2.2f, 0, 2.1f, 1.2f}));
  // test_scatter_elements_with_axis: data [[1,2,3,4,5]], indices [[1,3]], updates [[1.1,2.1]],
  // axis 1.
  v = Scatter({1, ScatterReduction::kNone}, Typed(DataType::kFloat32, {1, 5}, {1, 2, 3, 4, 5}),
              Typed(DataType::kInt32, {1, 2}, {1, 3}),
              Typed(DataType::kFloat32, {1, 2}, {1.1, 2.1}));
  EXPECT_EQ(v, (std::vector<float>{1, 1.1f, 3, 2.1f, 5}));
}

TEST(ScatterElementsTest, NegativeIndicesAxisAndDuplicates) {
  // test_scatter_elements_with_negative_indices: indices [[1,-3]] on [[1,2,3,4,5]] -> -3 is 2.
  auto v =
      Scatter({-1, ScatterReduction::kNone}, Typed(DataType::kInt64, {1, 5}, {1, 2, 3, 4, 5}),
              Typed(DataType::kInt64, {1, 2}, {1, -3}), Typed(DataType::kInt64, {1, 2}, {11, 21}));
  EXPECT_EQ(v, (std::vector<float>{1, 11, 21, 4, 5}));
  // test_scatter_elements_with_duplicate_indices, reduction add: [[1,1]] +11 +21 at index 1
  // -> [1, 2+11+21, 3, 4, 5]; with none the last update (21) wins.
  v = Scatter({1, ScatterReduction::kAdd}, Typed(DataType::kFloat32, {1, 5}, {1, 2, 3, 4, 5}),
              Typed(DataType::kInt64, {1, 2}, {1, 1}),
              Typed(DataType::kFloat32, {1, 2}, {1.1, 2.1}));
  EXPECT_FLOAT_EQ(v[1], 2 + 1.1f + 2.1f);
  v = Scatter({1, ScatterReduction::kNone}, Typed(DataType::kFloat32, {1, 5}, {1, 2, 3, 4, 5}),
              Typed(DataType::kInt64, {1, 2}, {1, 1}),
              Typed(DataType::kFloat32, {1, 2}, {1.1, 2.1}));
  EXPECT_FLOAT_EQ(v[1], 2.1f);
}

TEST(ScatterElementsTest, MulMaxMinAndFp16) {
  // data [2, 5, 7]; both updates [3, 4] go to index 1 in turn.
  auto data = [] { return Typed(DataType::kInt32, {1, 3}, {2, 5, 7}); };
  auto idx = [] { return Typed(DataType::kInt32, {1, 2}, {1, 1}); };
  auto upd = [] { return Typed(DataType::kInt32, {1, 2}, {3, 4}); };
  EXPECT_EQ(Scatter({1, ScatterReduction::kMul}, data(), idx(), upd()),
            (std::vector<float>{2, 60, 7}));
  EXPECT_EQ(Scatter({1, ScatterReduction::kMax}, data(), idx(), upd()),
            (std::vector<float>{2, 5, 7}));
  EXPECT_EQ(Scatter({1, ScatterReduction::kMin}, data(), idx(), upd()),
            (std::vector<float>{2, 3, 7}));
  EXPECT_EQ(Scatter({0, ScatterReduction::kAdd}, Typed(DataType::kFloat16, {3}, {0.5, 1, 1.5}),
                    Typed(DataType::kInt64, {1}, {2}), Typed(DataType::kFloat16, {1}, {0.25})),
            (std::vector<float>{0.5f, 1, 1.75f}));
}

TEST(ScatterElementsTest, OutOfRangeIndexIsAnErrorFromRun) {
  auto out = RunOp(kScatterElementsOp, ScatterElementsParams{}.ToAttrs(),
                   {Typed(DataType::kFloat32, {3}, {1, 2, 3}), Typed(DataType::kInt64, {1}, {-4}),
                    Typed(DataType::kFloat32, {1}, {9})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kOutOfRange);
  ExpectError(out.status(), {"index -4", "-3..2"});
}

TEST(ScatterElementsTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId xb = *net.AddInput("xb", DataType::kBool, {2, 3});
  TensorId i = *net.AddInput("i", DataType::kInt64, {2, 2});
  TensorId fi = *net.AddInput("fi", DataType::kFloat32, {2, 2});
  TensorId u = *net.AddInput("u", DataType::kFloat32, {2, 2});
  TensorId ub = *net.AddInput("ub", DataType::kBool, {2, 2});
  TensorId ui = *net.AddInput("ui", DataType::kInt32, {2, 2});
  TensorId u3 = *net.AddInput("u3", DataType::kFloat32, {2, 3});
  TensorId i3 = *net.AddInput("i3", DataType::kInt64, {2, 2, 1});
  TensorId u31 = *net.AddInput("u31", DataType::kFloat32, {2, 2, 1});
  TensorId iw = *net.AddInput("iw", DataType::kInt64, {2, 4});
  TensorId uw = *net.AddInput("uw", DataType::kFloat32, {2, 4});
  ScatterElementsParams p{1, ScatterReduction::kNone};
  ExpectError(AddScatterElements(net, "s1", x, fi, u, p).status(), {"s1", "int32 or int64"});
  ExpectError(AddScatterElements(net, "s2", x, i, ui, p).status(), {"s2", "int32", "fp32"});
  ExpectError(AddScatterElements(net, "s3", x, i, u3, p).status(), {"s3", "2x3", "2x2"});
  ExpectError(AddScatterElements(net, "s4", x, i3, u31, p).status(), {"s4", "rank 3", "rank 2"});
  ExpectError(AddScatterElements(net, "s5", x, i, u, {2, ScatterReduction::kNone}).status(),
              {"s5", "axis 2"});
  ExpectError(AddScatterElements(net, "s6", x, iw, uw, {0, ScatterReduction::kNone}).status(),
              {"s6", "dim 1", "2x4"});
  ExpectError(AddScatterElements(net, "s7", xb, i, ub, {1, ScatterReduction::kAdd}).status(),
              {"s7", "add", "bool"});
  AttrMap bad = p.ToAttrs();
  bad.Set("reduction", "mean");
  ExpectError(net.AddLayer1("s8", kScatterElementsOp, {x, i, u}, bad).status(), {"s8", "mean"});
  EXPECT_TRUE(AddScatterElements(net, "s9", xb, i, ub, p).ok());  // none copies any dtype
}

}  // namespace
}  // namespace kiln
