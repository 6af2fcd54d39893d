#include "ops/mean_variance_normalization.h"

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

std::vector<float> Mvn(std::vector<int64_t> axes, Dims dims, std::vector<float> x) {
  auto out = RunOp(kMeanVarianceNormalizationOp,
                   MeanVarianceNormalizationParams{std::move(axes)}.ToAttrs(),
                   {In(std::move(dims), std::move(x))});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? ToFloats((*out)[0]) : std::vector<float>{};
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << "at " << i;
}

TEST(MeanVarianceNormalizationTest, DefaultAxesPoolBatchAndSpace) {
  // N=2, C=2, 1x1: channel 0 sees [0, 4] across the batch (mean 2, std 2),
  // channel 1 sees [1, 3] (mean 2, std 1); 1e-9 is below float resolution here.
  ExpectNear(Mvn({0, 2, 3}, {2, 2, 1, 1}, {0, 1, 4, 3}), {-1, -1, 1, 1});
}

TEST(MeanVarianceNormalizationTest, LastAxisAndNegativeAxes) {
  // Rows [1,3,5,7]: mean 4, variance (9+1+1+9)/4 = 5.
  const float s = std::sqrt(5.0f);
  ExpectNear(Mvn({-1}, {1, 4}, {1, 3, 5, 7}), {-3 / s, -1 / s, 1 / s, 3 / s});
  // A constant group: 0 / (0 + 1e-9) = 0.
  ExpectNear(Mvn({1}, {2, 2}, {5, 5, 2, 4}), {0, 0, -1, 1});
}

TEST(MeanVarianceNormalizationTest, Fp16) {
  Weights x(DataType::kFloat16, {1, 2});
  x.mutable_as<uint16_t>()[0] = FloatToHalf(2.0f);
  x.mutable_as<uint16_t>()[1] = FloatToHalf(6.0f);
  auto out = RunOp(kMeanVarianceNormalizationOp, MeanVarianceNormalizationParams{{1}}.ToAttrs(),
                   {{x, false}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-1, 1}));
}

TEST(MeanVarianceNormalizationTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4});
  TensorId i = *net.AddInput("i", DataType::kInt32, {2, 3, 4, 4});
  ExpectError(AddMeanVarianceNormalization(net, "m1", i, {}), {"m1", "int32"});
  // The default [0,2,3] needs rank 4.
  ExpectError(AddMeanVarianceNormalization(net, "m2", x, {}),
              {"m2", "axes [0,2,3] has 3, out of range", "2x3x4"});
  ExpectError(AddMeanVarianceNormalization(net, "m3", x, {{1, -2}}),
              {"m3", "names axis 1 twice"});
  ExpectError(AddMeanVarianceNormalization(net, "m4", x, {{}}), {"m4", "'axes' is empty"});
  EXPECT_TRUE(AddMeanVarianceNormalization(net, "ok", x, {{0, 2}}).ok());
}

}  // namespace
}  // namespace kiln
