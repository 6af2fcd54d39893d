// FoldConstants: the graph before and after, the layers it must leave (and
// the reason it logs), and that a built network computes with the folded
// constants.
#include "optimizer/passes/fold_constants.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "graph/network_definition.h"
#include "ops/activation.h"
#include "ops/element_wise.h"
#include "ops/tile.h"
#include "ops/unary.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Names;
using testutil::RecordingLogger;

TEST(FoldConstantsTest, FoldsAChainAndKeepsTheTensorNames) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId a = *net.AddConstant("a", Weights::FromFloats({1, 3}, {1, 4, 9}));
  TensorId b = *net.AddConstant("b", Weights::FromFloats({1, 3}, {3, 5, 7}));
  TensorId sum = *AddElementWise(net, "sum", a, b, ElementWiseOp::kSum);  // 4, 9, 16
  TensorId root = *AddUnary(net, "root", sum, UnaryOp::kSqrt);            // 2, 3, 4
  TensorId y = *AddElementWise(net, "y", x, root, ElementWiseOp::kProd);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph g = net.graph();
  RecordingLogger logger;
  auto changed = FoldConstants().Run(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"y"}));
  const std::optional<TensorId> folded = g.FindTensor("root");
  ASSERT_TRUE(folded.has_value());
  const Tensor& t = g.tensor(*folded);
  ASSERT_TRUE(t.is_constant());
  EXPECT_EQ(t.producer, kNoNode);
  EXPECT_EQ(t.desc.dims, (Dims{1, 3}));
  EXPECT_EQ(testutil::ToFloats(*t.constant), (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(g.node(0).inputs[1], *folded);
  // What only the folded layers read is gone with them.
  EXPECT_FALSE(g.FindTensor("sum").has_value());
  EXPECT_FALSE(g.FindTensor("a").has_value());
  EXPECT_FALSE(g.FindTensor("b").has_value());
  EXPECT_TRUE(logger.messages().empty()) << logger.All();
}

TEST(FoldConstantsTest, LeavesLayersThatReadAnInputWithoutAWord) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId c = *net.AddConstant("c", Weights::FromFloats({1, 3}, {1, 2, 3}));
  TensorId y = *AddElementWise(net, "y", x, c, ElementWiseOp::kSum);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph g = net.graph();
  RecordingLogger logger;
  EXPECT_FALSE(*FoldConstants().Run(g, &logger));
  EXPECT_EQ(Names(g), (std::vector<std::string>{"y"}));
  EXPECT_TRUE(logger.messages().empty()) << logger.All();
}

TEST(FoldConstantsTest, DoesNotFoldALayerThatWritesANetworkOutput) {
  NetworkDefinition net;
  TensorId c = *net.AddConstant("c", Weights::FromFloats({1, 3}, {1, 2, 3}));
  TensorId e = *AddUnary(net, "e", c, UnaryOp::kExp);
  ASSERT_TRUE(net.MarkOutput(e).ok());
  Graph g = net.graph();
  RecordingLogger logger;
  EXPECT_FALSE(*FoldConstants().Run(g, &logger));
  EXPECT_EQ(Names(g), (std::vector<std::string>{"e"}));
  EXPECT_TRUE(logger.Said(
      {"fold-constants: not folding 'e' (Unary)", "its output 'e' is a network output"}))
      << logger.All();
}

// x [2, 4096] + Tile(c [1, 4], repeats 1 x 1024): the tiled constant takes
// 16 KiB.
NetworkDefinition TiledNet() {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4096});
  TensorId c = *net.AddConstant("c", Weights::FromFloats({1, 4}, {1, 2, 3, 4}));
  TensorId tiled = *AddTile(net, "tile", c, TileParams{{1, 1024}});
  TensorId y = *AddElementWise(net, "y", x, tiled, ElementWiseOp::kSum);
  EXPECT_TRUE(net.MarkOutput(y).ok());
  return net;
}

TEST(FoldConstantsTest, DoesNotFoldOverTheSizeCap) {
  Graph g = TiledNet().graph();
  RecordingLogger logger;
  EXPECT_FALSE(*FoldConstants(/*max_bytes=*/8192).Run(g, &logger));
  EXPECT_EQ(Names(g), (std::vector<std::string>{"tile", "y"}));
  EXPECT_TRUE(logger.Said(
      {"not folding 'tile' (Tile)", "would take 16384 bytes", "over the cap of 8192 bytes"}))
      << logger.All();
  // Under the default cap (64 MiB) the same layer folds.
  Graph g2 = TiledNet().graph();
  EXPECT_TRUE(*FoldConstants().Run(g2, nullptr));
  EXPECT_EQ(Names(g2), (std::vector<std::string>{"y"}));
  const Tensor& tiled = g2.tensor(*g2.FindTensor("tile"));
  ASSERT_TRUE(tiled.is_constant());
  EXPECT_EQ(tiled.constant->dims(), (Dims{1, 4096}));
  EXPECT_EQ(tiled.constant->as<float>()[4094], 3.0f);
}

TEST(FoldConstantsTest, DoesNotFoldWhatItCannotEvaluate) {
  // An op this binary does not know: the evaluation fails, the layer stays.
  Graph g;
  Tensor c, m, y;
  c.desc = {"c", DataType::kFloat32, {1, 3}};
  c.constant = std::make_shared<const Weights>(Weights::FromFloats({1, 3}, {1, 2, 3}));
  m.desc = {"m", DataType::kFloat32, {1, 3}};
  y.desc = {"y", DataType::kFloat32, {1, 3}};
  const TensorId ci = g.AddTensor(c), mi = g.AddTensor(m), yi = g.AddTensor(y);
  g.AddNode(Node{"mystery", "NoSuchOp", {}, {ci}, {mi}});
  g.AddNode(Node{"relu", kActivationOp, ActivationParams{}.ToAttrs(), {mi}, {yi}});
  g.MarkOutput(yi);
  RecordingLogger logger;
  auto changed = FoldConstants().Run(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"mystery", "relu"}));
  EXPECT_TRUE(logger.Said({"not folding 'mystery' (NoSuchOp)", "evaluating it failed"}))
      << logger.All();
}

// y = x * exp(c) + c: exp(c) folds, the product and the sum stay.
TEST(FoldConstantsTest, BuiltNetworkRunsWithTheFoldedConstant) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  const Weights c_values = testutil::RandomFloats({1, 5}, rng);
  const Weights x_values = testutil::RandomFloats({2, 5}, rng);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 5});
  TensorId c = *net.AddConstant("c", c_values);
  TensorId e = *AddUnary(net, "e", c, UnaryOp::kExp);
  TensorId p = *AddElementWise(net, "p", x, e, ElementWiseOp::kProd);
  TensorId y = *AddElementWise(net, "y", p, c, ElementWiseOp::kSum);
  ASSERT_TRUE(net.MarkOutput(y).ok());

  RecordingLogger logger;
  BuildConfig config;
  config.max_batch = 2;
  config.logger = &logger;
  auto plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->nodes.size(), 2u);
  EXPECT_TRUE(logger.Said({"pass fold-constants: changed the graph, 3 -> 2 layers"}))
      << logger.All();
  auto engine = Runtime::Deserialize(*PlanWriter::Write(*plan));
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto ctx = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  std::vector<float> out(10, NAN);
  std::vector<void*> bindings = {const_cast<void*>(x_values.data()), out.data()};
  ASSERT_TRUE((*ctx)->Execute(2, bindings).ok());
  for (int i = 0; i < 10; ++i) {
    const float cv = c_values.as<float>()[i % 5];
    const float want = x_values.as<float>()[i] * std::exp(cv) + cv;
    EXPECT_NEAR(out[i], want, 1e-6f * (1 + std::fabs(want))) << "at " << i;
  }
}

}  // namespace
}  // namespace kiln
