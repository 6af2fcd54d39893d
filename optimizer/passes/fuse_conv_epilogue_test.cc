// FuseConvEpilogue: the graph before and after, the cases it must leave
// alone, and that a built network computes the same with and without it.
#include "optimizer/passes/fuse_conv_epilogue.h"

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "graph/network_definition.h"
#include "ops/activation.h"
#include "ops/convolution.h"
#include "ops/element_wise.h"
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

// A 3x3 "same" convolution of x [2, 4, 5, 5] to 4 channels, with bias.
TensorId AddConv(NetworkDefinition& net, const std::string& name, TensorId x, std::mt19937& rng) {
  ConvolutionParams p;
  p.pads = {1, 1, 1, 1};
  return *AddConvolution(net, name, x, p, testutil::RandomFloats({4, 4, 3, 3}, rng),
                         testutil::RandomFloats({4}, rng));
}

absl::StatusOr<bool> RunPass(Graph& g, Logger* logger = nullptr) {
  FuseConvEpilogue pass;
  return pass.Run(g, logger);
}

// Every layer reads only tensors written before it (or sources).
void ExpectSorted(const Graph& g) {
  std::vector<bool> ready(g.num_tensors(), false);
  for (TensorId t = 0; t < g.num_tensors(); ++t) {
    ready[t] = g.tensor(t).is_input || g.tensor(t).is_constant();
  }
  for (const Node& n : g.nodes()) {
    for (TensorId t : n.inputs) {
      if (t >= 0) {
        EXPECT_TRUE(ready[t]) << n.name << " reads " << g.tensor(t).desc.name << " early";
      }
    }
    for (TensorId t : n.outputs) ready[t] = true;
  }
}

TEST(FuseConvEpilogueTest, FusesResidualBlockConvAddRelu) {
  std::mt19937 rng(1);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId sum = *AddElementWise(net, "add", c, x, ElementWiseOp::kSum);
  TensorId y = *AddActivation(net, "relu", sum, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph g = net.graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"conv"}));
  const Node& conv = g.node(0);
  ASSERT_EQ(conv.inputs.size(), 4u);
  EXPECT_EQ(g.tensor(conv.inputs[3]).desc.name, "x");
  auto params = ConvolutionParams::FromAttrs(conv.attrs);
  ASSERT_TRUE(params.ok()) << params.status();
  ASSERT_TRUE(params->activation.has_value());
  EXPECT_EQ(params->activation->type, ActivationType::kRelu);
  // The layer writes the Activation's tensor; the output keeps its name.
  EXPECT_EQ(g.tensor(conv.outputs[0]).desc.name, "relu");
  EXPECT_EQ(conv.outputs[0], g.outputs()[0]);
  EXPECT_EQ(g.tensor(conv.outputs[0]).producer, 0);
}

TEST(FuseConvEpilogueTest, FusesClipWithItsBounds) {
  std::mt19937 rng(2);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId y = *AddActivation(net, "relu6", c, {ActivationType::kClip, 0.0f, 6.0f});
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph g = net.graph();
  ASSERT_TRUE(*RunPass(g));
  ASSERT_EQ(Names(g), (std::vector<std::string>{"conv"}));
  auto params = ConvolutionParams::FromAttrs(g.node(0).attrs);
  ASSERT_TRUE(params.ok() && params->activation.has_value());
  EXPECT_EQ(params->activation->type, ActivationType::kClip);
  EXPECT_EQ(params->activation->alpha, 0.0f);
  EXPECT_EQ(params->activation->beta, 6.0f);
  EXPECT_EQ(g.node(0).inputs.size(), 3u);  // no residual
}

TEST(FuseConvEpilogueTest, FusesLinearBottleneckAddWithoutActivation) {
  std::mt19937 rng(3);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId y = *AddElementWise(net, "add", x, c, ElementWiseOp::kSum);  // conv second
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph g = net.graph();
  ASSERT_TRUE(*RunPass(g));
  ASSERT_EQ(Names(g), (std::vector<std::string>{"conv"}));
  EXPECT_EQ(g.tensor(g.node(0).inputs[3]).desc.name, "x");
  EXPECT_FALSE(ConvolutionParams::FromAttrs(g.node(0).attrs)->activation.has_value());
  EXPECT_EQ(g.tensor(g.node(0).outputs[0]).desc.name, "add");
}

TEST(FuseConvEpilogueTest, DownsampleBlockReadsTheOtherConvAndStaysSorted) {
  std::mt19937 rng(4);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId main = AddConv(net, "main", x, rng);
  TensorId shortcut = AddConv(net, "shortcut", x, rng);  // after main in the definition
  TensorId sum = *AddElementWise(net, "add", main, shortcut, ElementWiseOp::kSum);
  TensorId y = *AddActivation(net, "relu", sum, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph g = net.graph();
  ASSERT_TRUE(*RunPass(g));
  // "main" absorbed the sum and now waits for "shortcut".
  EXPECT_EQ(Names(g), (std::vector<std::string>{"shortcut", "main"}));
  EXPECT_EQ(g.tensor(g.node(1).inputs[3]).desc.name, "shortcut");
  ExpectSorted(g);
}

// The pass reports no change, the layers are still `names`, and it logged
// each of `why` (each a list of parts found together in one message).
void ExpectNotFused(const NetworkDefinition& net, const std::vector<std::string>& names,
                    std::vector<std::initializer_list<absl::string_view>> why) {
  Graph g = net.graph();
  testutil::RecordingLogger logger;
  auto changed = RunPass(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(Names(g), names);
  for (const auto& parts : why) EXPECT_TRUE(logger.Said(parts)) << "log:\n" << logger.All();
}

TEST(FuseConvEpilogueTest, DoesNotFuseConvWithTwoConsumers) {
  std::mt19937 rng(5);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId a = *AddActivation(net, "relu", c, {ActivationType::kRelu});
  TensorId b = *AddActivation(net, "tanh", c, {ActivationType::kTanh});
  ASSERT_TRUE(net.MarkOutput(a).ok());
  ASSERT_TRUE(net.MarkOutput(b).ok());
  ExpectNotFused(net, {"conv", "relu", "tanh"},
                 {{"fuse-conv-epilogue: not fusing into 'conv'", "has 2 readers (relu, tanh)"}});
}

TEST(FuseConvEpilogueTest, DoesNotFuseWhenTheConvOutputIsANetworkOutput) {
  std::mt19937 rng(6);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId a = *AddActivation(net, "relu", c, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(c).ok());
  ASSERT_TRUE(net.MarkOutput(a).ok());
  ExpectNotFused(net, {"conv", "relu"},
                 {{"not fusing into 'conv'", "tensor 'conv' is a network output"}});
}

TEST(FuseConvEpilogueTest, DoesNotFuseBroadcastingSumOrOtherOps) {
  std::mt19937 rng(7);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c1 = AddConv(net, "conv1", x, rng);
  TensorId shift = *net.AddConstant("shift", testutil::RandomFloats({1, 4, 1, 1}, rng));
  TensorId s1 = *AddElementWise(net, "broadcast_add", c1, shift, ElementWiseOp::kSum);
  TensorId c2 = AddConv(net, "conv2", s1, rng);
  TensorId s2 = *AddElementWise(net, "sub", c2, x, ElementWiseOp::kSub);
  ASSERT_TRUE(net.MarkOutput(s2).ok());
  ExpectNotFused(net, {"conv1", "broadcast_add", "conv2", "sub"},
                 {{"not fusing into 'conv1'", "'broadcast_add' adds 'shift'",
                   "not the same dims and dtype"},
                  {"not fusing into 'conv2'", "'sub' (ElementWise) is neither"}});
}

TEST(FuseConvEpilogueTest, FusesTheSumButNotAnActivationOfASharedSum) {
  std::mt19937 rng(8);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId sum = *AddElementWise(net, "add", c, x, ElementWiseOp::kSum);
  TensorId a = *AddActivation(net, "relu", sum, {ActivationType::kRelu});
  TensorId b = *AddActivation(net, "tanh", sum, {ActivationType::kTanh});
  ASSERT_TRUE(net.MarkOutput(a).ok());
  ASSERT_TRUE(net.MarkOutput(b).ok());
  Graph g = net.graph();
  testutil::RecordingLogger logger;
  ASSERT_TRUE(*RunPass(g, &logger));
  EXPECT_EQ(Names(g), (std::vector<std::string>{"conv", "relu", "tanh"}));
  EXPECT_TRUE(logger.Said({"fusing the sum into 'conv' but no activation",
                           "tensor 'add' has 2 readers (relu, tanh)"}))
      << logger.All();
  EXPECT_FALSE(ConvolutionParams::FromAttrs(g.node(0).attrs)->activation.has_value());
  EXPECT_EQ(g.tensor(g.node(0).outputs[0]).desc.name, "add");
}

// x -> conv1 -> relu -> conv2 (+ x) -> relu -> conv3 (+ shortcut conv of x)
// -> clip(0, 6) -> y; with `keep_intermediates` every intermediate is also a
// network output, which blocks every fusion.
NetworkDefinition BlockNet(bool keep_intermediates, std::mt19937& rng) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {3, 4, 5, 5});
  TensorId c1 = AddConv(net, "conv1", x, rng);
  TensorId r1 = *AddActivation(net, "relu1", c1, {ActivationType::kRelu});
  TensorId c2 = AddConv(net, "conv2", r1, rng);
  TensorId s2 = *AddElementWise(net, "add2", c2, x, ElementWiseOp::kSum);
  TensorId r2 = *AddActivation(net, "relu2", s2, {ActivationType::kRelu});
  TensorId c3 = AddConv(net, "conv3", r2, rng);
  TensorId sc = AddConv(net, "shortcut", x, rng);
  TensorId s3 = *AddElementWise(net, "add3", c3, sc, ElementWiseOp::kSum);
  TensorId y = *AddActivation(net, "y", s3, {ActivationType::kClip, 0.0f, 0.5f});
  EXPECT_TRUE(net.MarkOutput(y).ok());
  if (keep_intermediates) {
    for (TensorId t : {c1, c2, s2, c3, sc, s3}) EXPECT_TRUE(net.MarkOutput(t).ok());
  }
  return net;
}

std::vector<float> BuildAndRun(const NetworkDefinition& net, const std::string& conv_tactic,
                               int expected_layers, const std::vector<float>& x, int batch) {
  BuildConfig config;
  config.max_batch = 3;
  config.tactic_filter = [&](const NodeContext& node, const Tactic& tactic) {
    return node.op != kConvolutionOp || tactic.info().name == conv_tactic;
  };
  return testutil::BuildAndRunY(net, config, expected_layers, x, batch);
}

TEST(FuseConvEpilogueTest, BuiltNetworkMatchesTheUnfusedOneOnCpuRef) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::mt19937 weights_rng = rng;
  const NetworkDefinition fused = BlockNet(false, rng);
  const NetworkDefinition unfused = BlockNet(true, weights_rng);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(3 * 4 * 5 * 5);
  for (float& v : x) v = dist(rng);
  for (const char* tactic : {"cpu_ref.convolution.direct", "cpu_ref.convolution.im2col"}) {
    for (int batch : {3, 1}) {
      SCOPED_TRACE(testing::Message() << tactic << " at batch " << batch);
      const std::vector<float> want = BuildAndRun(unfused, tactic, 9, x, batch);
      const std::vector<float> got = BuildAndRun(fused, tactic, 4, x, batch);
      ASSERT_EQ(got.size(), static_cast<size_t>(batch * 4 * 5 * 5));
      // Same tactic, same sums in the same order: bit for bit.
      EXPECT_EQ(got, want);
      int clipped = 0;
      for (float v : got) clipped += v == 0.0f || v == 0.5f;
      std::printf("%s batch %d: %d of %zu outputs clipped\n", tactic, batch, clipped, got.size());
    }
  }
}

}  // namespace
}  // namespace kiln
