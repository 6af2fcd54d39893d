#include "ops/instance_normalization.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Const;
using testutil::In;
using testutil::OpInput;
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

AttrMap Eps(float epsilon) { return InstanceNormalizationParams{epsilon}.ToAttrs(); }

TEST(InstanceNormalizationTest, PerChannelPerItem) {
  // N=2, C=2, 2x1 planes. Plane [0,4]: mean 2, std 2 -> [-1,1]; [5,7]: mean
  // 6, std 1 -> [-1,1]; [2,6] -> [-1,1]; [3,-1] -> [1,-1]. epsilon 0.
  // Channel 0: *2 + 1, channel 1: *-3 + 0.5.
  std::vector<OpInput> inputs;
  inputs.push_back(In({2, 2, 2, 1}, {0, 4, 5, 7, 2, 6, 3, -1}));
  inputs.push_back(Const({2}, {2, -3}));
  inputs.push_back(Const({2}, {1, 0.5f}));
  auto out = RunOp(kInstanceNormalizationOp, Eps(0.0f), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  // n0c0 [-1,1]*2+1 = [-1,3]; n0c1 [-1,1]*-3+.5 = [3.5,-2.5];
  // n1c0 [2,6] -> [-1,1] -> [-1,3]; n1c1 [3,-1] -> [1,-1] -> [-2.5,3.5].
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-1, 3, 3.5f, -2.5f, -1, 3, -2.5f, 3.5f}));
}

TEST(InstanceNormalizationTest, EpsilonAndConstantPlane) {
  // Plane [1,3]: var 1, eps 3 -> /2 -> [-0.5,0.5]. Constant plane [5,5]: 0 -> B.
  std::vector<OpInput> inputs;
  inputs.push_back(In({1, 2, 2}, {1, 3, 5, 5}));
  inputs.push_back(Const({2}, {1, 1}));
  inputs.push_back(Const({2}, {0, 7}));
  auto out = RunOp(kInstanceNormalizationOp, Eps(3.0f), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-0.5f, 0.5f, 7, 7}));
}

TEST(InstanceNormalizationTest, Fp16) {
  const auto half = [](Dims dims, std::vector<float> v) {
    Weights w(DataType::kFloat16, std::move(dims));
    for (size_t i = 0; i < v.size(); ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(v[i]);
    return w;
  };
  std::vector<OpInput> inputs;
  inputs.push_back({half({1, 1, 2}, {2, 6}), false});
  inputs.push_back({half({1}, {0.5f}), true});
  inputs.push_back({half({1}, {0.25f}), true});
  auto out = RunOp(kInstanceNormalizationOp, Eps(0.0f), inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{-0.25f, 0.75f}));
}

TEST(InstanceNormalizationTest, ShapeInferenceErrors) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4, 4});
  TensorId v = *net.AddInput("v", DataType::kFloat32, {3});
  TensorId i = *net.AddInput("i", DataType::kInt32, {2, 3, 4});
  const auto w = [](Dims dims) { return Weights(DataType::kFloat32, std::move(dims)); };
  ExpectError(AddInstanceNormalization(net, "n1", i, {}, w({3}), w({3})), {"n1", "int32"});
  ExpectError(AddInstanceNormalization(net, "n2", v, {}, w({1}), w({1})),
              {"n2", "has dims 3", "at least 2 dims"});
  ExpectError(AddInstanceNormalization(net, "n3", x, {}, w({4}), w({3})),
              {"n3", "scale 'n3.scale' has dims 4", "expected 3 values"});
  ExpectError(AddInstanceNormalization(net, "n4", x, {}, w({3}), w({1, 3})),
              {"n4", "B 'n4.bias' has dims 1x3"});
  ExpectError(AddInstanceNormalization(net, "n5", x, {}, w({3}), Weights(DataType::kFloat16, {3})),
              {"n5", "B", "fp16", "expected fp32"});
  ExpectError(AddInstanceNormalization(net, "n6", x, {-1.0f}, w({3}), w({3})),
              {"n6", "epsilon", ">= 0"});
  ExpectError(net.AddLayer1("n7", kInstanceNormalizationOp, {x, v, -1}, {}),
              {"n7", "input 2 (B) is missing"});
  auto ok = AddInstanceNormalization(net, "ok", x, {}, w({3}), w({3}));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(net.desc(*ok).dims, (Dims{2, 3, 4, 4}));
}

}  // namespace
}  // namespace kiln
