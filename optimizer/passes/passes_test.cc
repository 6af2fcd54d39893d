#include "gtest/gtest.h"
#include "graph/network_definition.h"
#include "ops/activation.h"
#include "optimizer/passes/dead_layer_elimination.h"
#include "optimizer/passes/pass_testing.h"
#include "optimizer/passes/topological_sort.h"

namespace kiln {
namespace {

std::vector<std::string> Names(const Graph& g) {
  std::vector<std::string> names;
  for (const Node& n : g.nodes()) names.push_back(n.name);
  return names;
}

TEST(DeadLayerEliminationTest, RemovesBranchesThatReachNoOutput) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  TensorId a = *AddActivation(net, "a", x, {});
  TensorId dead1 = *AddActivation(net, "dead1", a, {ActivationType::kTanh});
  (void)*AddActivation(net, "dead2", dead1, {ActivationType::kTanh});
  TensorId b = *AddActivation(net, "b", a, {ActivationType::kSigmoid});
  ASSERT_TRUE(net.MarkOutput(b).ok());
  Graph g = net.graph();
  DeadLayerElimination pass;
  testutil::RecordingLogger logger;
  auto changed = pass.Run(g, &logger);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(logger.Said({"removing 'dead2'", "no network output depends on it"})) << logger.All();
  EXPECT_FALSE(g.FindTensor("dead1").has_value());
  EXPECT_EQ(g.tensor(g.outputs()[0]).desc.name, "b");
  EXPECT_EQ(g.tensor(g.outputs()[0]).producer, 1);
}

TEST(DeadLayerEliminationTest, KeepsEverythingWhenAllLive) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  TensorId a = *AddActivation(net, "a", x, {});
  TensorId b = *AddActivation(net, "b", a, {});
  ASSERT_TRUE(net.MarkOutput(a).ok());
  ASSERT_TRUE(net.MarkOutput(b).ok());
  Graph g = net.graph();
  DeadLayerElimination pass;
  EXPECT_FALSE(*pass.Run(g, nullptr));
  EXPECT_EQ(g.num_nodes(), 2);
}

TEST(TopologicalSortTest, OrdersProducersFirstAndKeepsStableOrder) {
  Graph g;
  Tensor in;
  in.desc = {"x", DataType::kFloat32, {1}};
  const TensorId x = g.AddTensor(in);
  g.MarkInput(x);
  Tensor t1, t2, t3;
  t1.desc = {"t1", DataType::kFloat32, {1}};
  t2.desc = {"t2", DataType::kFloat32, {1}};
  t3.desc = {"t3", DataType::kFloat32, {1}};
  const TensorId a = g.AddTensor(t1), b = g.AddTensor(t2), c = g.AddTensor(t3);
  // Defined out of order: "second" reads what "first" writes.
  g.AddNode(Node{"second", "Activation", {}, {a}, {b}});
  g.AddNode(Node{"independent", "Activation", {}, {x}, {c}});
  g.AddNode(Node{"first", "Activation", {}, {x}, {a}});
  g.MarkOutput(b);
  g.MarkOutput(c);
  TopologicalSort pass;
  auto changed = pass.Run(g, nullptr);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"independent", "first", "second"}));
}

TEST(TopologicalSortTest, RejectsCyclesNamingTheLayers) {
  Graph g;
  Tensor t1, t2;
  t1.desc = {"t1", DataType::kFloat32, {1}};
  t2.desc = {"t2", DataType::kFloat32, {1}};
  const TensorId a = g.AddTensor(t1), b = g.AddTensor(t2);
  g.AddNode(Node{"ping", "Activation", {}, {b}, {a}});
  g.AddNode(Node{"pong", "Activation", {}, {a}, {b}});
  g.MarkOutput(b);
  TopologicalSort pass;
  auto changed = pass.Run(g, nullptr);
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.status().message().find("cycle through layers: ping, pong"),
            std::string::npos)
      << changed.status();
}

TEST(TopologicalSortTest, RejectsDanglingInputs) {
  Graph g;
  Tensor t1, t2;
  t1.desc = {"nowhere", DataType::kFloat32, {1}};
  t2.desc = {"out", DataType::kFloat32, {1}};
  const TensorId a = g.AddTensor(t1), b = g.AddTensor(t2);
  g.AddNode(Node{"reader", "Activation", {}, {a}, {b}});
  g.MarkOutput(b);
  TopologicalSort pass;
  auto changed = pass.Run(g, nullptr);
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.status().message().find("'nowhere'"), std::string::npos) << changed.status();
}

}  // namespace
}  // namespace kiln
