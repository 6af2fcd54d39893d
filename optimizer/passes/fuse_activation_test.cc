// FuseActivation: the graph before and after, the cases it must leave alone,
// and that a built network computes the same with and without the fusion.
#include "optimizer/passes/fuse_activation.h"

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "graph/network_definition.h"
#include "ops/activation.h"
#include "ops/fully_connected.h"
#include "ops/matmul.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

std::vector<std::string> Names(const Graph& g) {
  std::vector<std::string> names;
  for (const Node& n : g.nodes()) names.push_back(n.name);
  return names;
}

Weights Ones(Dims dims) { return Weights::FromFloats(dims, std::vector<float>(Volume(dims), 1)); }

// x [2, 4] -> FullyConnected "fc" (3 outputs, bias).
TensorId AddFc(NetworkDefinition& net) {
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4});
  return *AddFullyConnected(net, "fc", x, 3, Ones({3, 4}), Ones({3}));
}

absl::StatusOr<bool> RunPass(Graph& g, Logger* logger = nullptr) {
  FuseActivation pass;
  return pass.Run(g, logger);
}

// ReLU and GELU (erf form) fuse: GEMM tactics run them as epilogues where
// they can, cpu_ref with the Activation op's formula.
TEST(FuseActivationTest, FusesFullyConnectedReluAndGelu) {
  for (ActivationType type : {ActivationType::kRelu, ActivationType::kGelu}) {
    const std::string name(ActivationTypeName(type));
    SCOPED_TRACE(name);
    NetworkDefinition net;
    TensorId fc = AddFc(net);
    TensorId act = *AddActivation(net, name, fc, {type});
    ASSERT_TRUE(net.MarkOutput(act).ok());
    Graph g = net.graph();
    auto changed = RunPass(g);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_TRUE(*changed);
    EXPECT_EQ(Names(g), (std::vector<std::string>{"fc"}));
    auto params = FullyConnectedParams::FromAttrs(g.node(0).attrs);
    ASSERT_TRUE(params.ok()) << params.status();
    EXPECT_EQ(params->activation, type);
    // The layer writes the Activation's tensor; the output keeps its name.
    ASSERT_EQ(g.outputs().size(), 1u);
    EXPECT_EQ(g.node(0).outputs, (std::vector<TensorId>{g.outputs()[0]}));
    EXPECT_EQ(g.tensor(g.outputs()[0]).desc.name, name);
    EXPECT_EQ(g.tensor(g.outputs()[0]).producer, 0);
    EXPECT_EQ(g.tensor(g.outputs()[0]).desc.dims, (Dims{2, 3}));
    EXPECT_FALSE(g.FindTensor("fc").has_value());
  }
}

TEST(FuseActivationTest, FusesOnlyWhereATacticRunsTheFusedLayer) {
  NetworkDefinition net;
  TensorId fc = AddFc(net);
  TensorId gelu = *AddActivation(net, "gelu", fc, {ActivationType::kGelu});
  ASSERT_TRUE(net.MarkOutput(gelu).ok());
  FuseActivation gated({"no_such_backend"});
  testutil::ExpectNotFused(gated, net, {"fc", "gelu"},
                           {"fuse-activation: no tactic on backends [no_such_backend] runs a "
                            "FullyConnected with a fused gelu"});
}

TEST(FuseActivationTest, FusesFp16MatMulReluInAChain) {
  NetworkDefinition net;
  TensorId a = *net.AddInput("a", DataType::kFloat16, {2, 3});
  TensorId b = *net.AddInput("b", DataType::kFloat16, {3, 5});
  TensorId mm = *AddMatMul(net, "mm", a, b);
  TensorId relu = *AddActivation(net, "relu", mm, {ActivationType::kRelu});
  TensorId tanh = *AddActivation(net, "tanh", relu, {ActivationType::kTanh});
  ASSERT_TRUE(net.MarkOutput(tanh).ok());
  Graph g = net.graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"mm", "tanh"}));
  auto params = MatMulParams::FromAttrs(g.node(0).attrs);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->activation, ActivationType::kRelu);
  EXPECT_EQ(g.tensor(g.node(0).outputs[0]).desc.name, "relu");
  EXPECT_EQ(g.node(1).inputs, g.node(0).outputs);
}

// The pass reports no change, the layers are still `names`, and it logged
// `why` (all of those parts in one message).
void ExpectNotFused(const NetworkDefinition& net, const std::vector<std::string>& names,
                    std::initializer_list<absl::string_view> why) {
  FuseActivation pass;
  testutil::ExpectNotFused(pass, net, names, why);
}

TEST(FuseActivationTest, DoesNotFuseWhenTheIntermediateIsAnOutput) {
  NetworkDefinition net;
  TensorId fc = AddFc(net);
  TensorId relu = *AddActivation(net, "relu", fc, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(fc).ok());
  ASSERT_TRUE(net.MarkOutput(relu).ok());
  ExpectNotFused(net, {"fc", "relu"},
                 {"fuse-activation: not fusing into 'fc'", "'fc' is a network output"});
}

TEST(FuseActivationTest, DoesNotFuseFullyConnectedWithTwoReaders) {
  NetworkDefinition net;
  TensorId fc = AddFc(net);
  TensorId relu = *AddActivation(net, "relu", fc, {ActivationType::kRelu});
  TensorId relu2 = *AddActivation(net, "relu2", fc, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(relu).ok());
  ASSERT_TRUE(net.MarkOutput(relu2).ok());
  ExpectNotFused(net, {"fc", "relu", "relu2"}, {"'fc'", "has 2 readers (relu, relu2)"});
}

TEST(FuseActivationTest, DoesNotFuseActivationsThatCannotBeFused) {
  // Sigmoid has no epilogue; Clip is not ReLU even when its bounds are
  // [0, inf).
  for (ActivationType type :
       {ActivationType::kSigmoid, ActivationType::kLeakyRelu, ActivationType::kClip}) {
    SCOPED_TRACE(std::string(ActivationTypeName(type)));
    NetworkDefinition net;
    TensorId fc = AddFc(net);
    TensorId act = *AddActivation(net, "act", fc, {type, 0.0f, INFINITY});
    ASSERT_TRUE(net.MarkOutput(act).ok());
    ExpectNotFused(net, {"fc", "act"},
                   {"'act' is ", ActivationTypeName(type), "do not run as an epilogue"});
  }
}

TEST(FuseActivationTest, DoesNotFuseIntoALayerThatHasOneOrIntoOtherOps) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4});
  FullyConnectedParams p;
  p.activation = ActivationType::kRelu;
  TensorId w = *net.AddConstant("w", Ones({3, 4}));
  TensorId fc = *net.AddLayer1("fc", kFullyConnectedOp, {x, w}, p.ToAttrs());
  TensorId relu = *AddActivation(net, "relu", fc, {ActivationType::kRelu});
  // An Activation feeding a ReLU is not a GEMM: left alone.
  TensorId relu2 = *AddActivation(net, "relu2", relu, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(relu2).ok());
  ExpectNotFused(net, {"fc", "relu", "relu2"}, {"'fc'", "it already has a fused relu"});
}

// x [B, 8] -> FC (bias) -> ReLU -> MatMul (constant [8, 5]) -> ReLU -> "y".
// With `keep_intermediates` the pre-activation tensors are outputs too, so
// nothing is fused: the same computation, unfused.
NetworkDefinition TwoLayerNet(bool keep_intermediates, std::mt19937& rng) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {3, 8});
  TensorId fc = *AddFullyConnected(net, "fc", x, 8, testutil::RandomFloats({8, 8}, rng),
                                   testutil::RandomFloats({8}, rng));
  TensorId h = *AddActivation(net, "h", fc, {ActivationType::kRelu});
  TensorId b = *net.AddConstant("b", testutil::RandomFloats({8, 5}, rng));
  TensorId mm = *AddMatMul(net, "mm", h, b);
  TensorId y = *AddActivation(net, "y", mm, {ActivationType::kRelu});
  EXPECT_TRUE(net.MarkOutput(y).ok());
  if (keep_intermediates) {
    EXPECT_TRUE(net.MarkOutput(fc).ok());
    EXPECT_TRUE(net.MarkOutput(mm).ok());
  }
  return net;
}

// Builds `net` with the GEMM tactics pinned, runs it through a serialized
// plan at `batch`, and returns output "y".
std::vector<float> BuildAndRun(const NetworkDefinition& net, const std::string& fc_tactic,
                               const std::string& matmul_tactic, int expected_layers,
                               const std::vector<float>& x, int batch) {
  BuildConfig config;
  config.max_batch = 3;
  config.tactic_filter = [&](const NodeContext& node, const Tactic& tactic) {
    if (node.op == kFullyConnectedOp) return tactic.info().name == fc_tactic;
    if (node.op == kMatMulOp) return tactic.info().name == matmul_tactic;
    return true;
  };
  return testutil::BuildAndRunY(net, config, expected_layers, x, batch);
}

TEST(FuseActivationTest, BuiltNetworkMatchesTheUnfusedOneOnCpuRef) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::mt19937 weights_rng = rng;
  const NetworkDefinition fused = TwoLayerNet(false, rng);
  const NetworkDefinition unfused = TwoLayerNet(true, weights_rng);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(3 * 8);
  for (float& v : x) v = dist(rng);
  const std::pair<const char*, const char*> tactics[] = {
      {"cpu_ref.fully_connected.direct", "cpu_ref.matmul.direct"},
      {"cpu_ref.fully_connected.gemm", "cpu_ref.matmul.eigen"}};
  for (const auto& [fc, mm] : tactics) {
    for (int batch : {3, 1}) {
      SCOPED_TRACE(testing::Message() << fc << " + " << mm << " at batch " << batch);
      const std::vector<float> want = BuildAndRun(unfused, fc, mm, 4, x, batch);
      const std::vector<float> got = BuildAndRun(fused, fc, mm, 2, x, batch);
      ASSERT_EQ(got.size(), static_cast<size_t>(batch * 5));
      // Same tactics, same formula after the same sums: bit for bit.
      EXPECT_EQ(got, want);
      int zeros = 0;
      for (float v : got) zeros += v == 0.0f;
      std::printf("%s + %s batch %d: %d of %zu outputs clamped to 0\n", fc, mm, batch, zeros,
                  got.size());
    }
  }
}

}  // namespace
}  // namespace kiln
