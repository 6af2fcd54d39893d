#include <cstring>

#include "backends/tactic_registry.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "graph/op_registry.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"

namespace kiln {
namespace {

TEST(CustomOpTest, UserOpBuildsSerializesAndRuns) {
  ASSERT_NE(OpRegistry::Global().Find("UserSquarePlusOffset"), nullptr);
  ASSERT_NE(TacticRegistry::Global().Find("user.square_plus_offset"), nullptr);

  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  AttrMap attrs;
  attrs.Set("offset", -5.0f);
  auto sq = net.AddLayer1("square", "UserSquarePlusOffset", {x}, attrs);
  ASSERT_TRUE(sq.ok()) << sq.status();
  TensorId y = *AddActivation(net, "relu", *sq, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(y).ok());

  BuildConfig config;
  config.max_batch = 2;
  auto plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->nodes[0].tactic, "user.square_plus_offset");
  auto bytes = PlanWriter::Write(*plan);
  ASSERT_TRUE(bytes.ok());
  auto engine = Runtime::Deserialize(*bytes);
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto ctx = (*engine)->CreateExecutionContext();
  std::vector<float> in = {1, 2, 3, -4, 0, 0.5f, -3, 10};
  std::vector<float> out(8, -1);
  std::vector<void*> bindings = {in.data(), out.data()};
  ASSERT_TRUE((*ctx)->Execute(2, bindings).ok());
  // relu(x*x - 5): 1-5<0 -> 0, 4-5 -> 0, 9-5=4, 16-5=11, 0, 0, 9-5=4, 100-5=95.
  EXPECT_EQ(out, (std::vector<float>{0, 0, 4, 11, 0, 0, 4, 95}));
}

TEST(CustomOpTest, UserOpValidationNamesTheLayer) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kInt32, {1, 4});
  auto sq = net.AddLayer1("square", "UserSquarePlusOffset", {x}, {});
  ASSERT_FALSE(sq.ok());
  EXPECT_NE(sq.status().message().find("layer 'square' (UserSquarePlusOffset): takes fp32, got int32"),
            std::string::npos)
      << sq.status();
}

TEST(CustomOpTest, RegisteringTheSameNamesTwiceFails) {
  auto again = OpRegistry::Global().Register(
      OpSchema{"UserSquarePlusOffset", 1, 1, 1, [](const InferenceContext& c) {
                 return absl::StatusOr<std::vector<TensorDesc>>(std::vector<TensorDesc>{});
               }});
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace kiln
