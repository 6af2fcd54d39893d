// FuseSkipLayerNorm: a residual Add read only by a LayerNormalization becomes
// the LN's Skip input; the cases it must leave alone; and that a built
// network computes the same with and without the fusion.
#include "optimizer/passes/fuse_skip_layer_norm.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/element_wise.h"
#include "ops/layer_normalization.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::ExpectNotFused;
using testutil::Names;

std::vector<float> Random(int64_t n, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

struct Options {
  bool sum_is_output = false;      // the Add's output is also a network output
  bool second_reader = false;      // a ReLU also reads the Add's output
  bool constant_operand = false;   // Add(h, constant)
  bool broadcast = false;          // Add(h, r) with r [1, 1, H]
  ElementWiseOp op = ElementWiseOp::kSum;
};

// x [B, S, H] -> h = Tanh(x); y = LN(x + h) (the residual stream x).
NetworkDefinition Block(const Options& o, std::mt19937& rng) {
  constexpr int64_t kH = 12;
  NetworkDefinition net;
  const TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 5, kH});
  const TensorId h = *AddActivation(net, "h", x, {ActivationType::kTanh});
  TensorId other = x;
  if (o.constant_operand) {
    other = *net.AddConstant("c", Weights::FromFloats({2, 5, kH}, Random(2 * 5 * kH, rng)));
  } else if (o.broadcast) {
    other = *net.AddConstant("c", Weights::FromFloats({kH}, Random(kH, rng)));
  }
  const TensorId sum = *AddElementWise(net, "residual", h, other, o.op);
  LayerNormalizationParams p;
  const TensorId y = *AddLayerNormalization(net, "ln", sum, p,
                                            Weights::FromFloats({kH}, Random(kH, rng, 0.5f, 2.0f)),
                                            Weights::FromFloats({kH}, Random(kH, rng)));
  EXPECT_TRUE(net.RenameTensor(y, "y").ok());
  EXPECT_TRUE(net.MarkOutput(y).ok());
  if (o.sum_is_output) EXPECT_TRUE(net.MarkOutput(sum).ok());
  if (o.second_reader) {
    EXPECT_TRUE(net.MarkOutput(*AddActivation(net, "side", sum, {ActivationType::kRelu})).ok());
  }
  return net;
}

TEST(FuseSkipLayerNormTest, TheResidualAddBecomesTheSkipInput) {
  std::mt19937 rng(testutil::TestSeed());
  NetworkDefinition net = Block({}, rng);
  Graph g = net.graph();
  FuseSkipLayerNorm pass;
  auto changed = pass.Run(g, nullptr);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"h", "ln"}));
  const Node& ln = g.node(1);
  ASSERT_EQ(ln.inputs.size(), 4u);
  EXPECT_EQ(g.tensor(ln.inputs[0]).desc.name, "h");
  EXPECT_EQ(g.tensor(ln.inputs[3]).desc.name, "x");
}

TEST(FuseSkipLayerNormTest, LeavesAddsThatAreNotAPlainResidual) {
  std::mt19937 rng(testutil::TestSeed());
  FuseSkipLayerNorm pass;
  ExpectNotFused(pass, Block({.sum_is_output = true}, rng), {"h", "residual", "ln"},
                 {"residual", "network output"});
  ExpectNotFused(pass, Block({.second_reader = true}, rng), {"h", "residual", "ln", "side"},
                 {"residual", "2 readers (ln, side)"});
  ExpectNotFused(pass, Block({.constant_operand = true}, rng), {"h", "residual", "ln"},
                 {"is a constant"});
  ExpectNotFused(pass, Block({.broadcast = true}, rng), {"h", "residual", "ln"},
                 {"'c' (fp32 12, a constant) is a constant"});
  Graph g = Block({.op = ElementWiseOp::kSub}, rng).graph();
  EXPECT_FALSE(*pass.Run(g, nullptr)) << "a difference is not a residual sum";
}

TEST(FuseSkipLayerNormTest, FusesOnlyWhereATacticRunsTheSkip) {
  std::mt19937 rng(testutil::TestSeed());
  NetworkDefinition net = Block({}, rng);
  Graph g = net.graph();
  FuseSkipLayerNorm gated({"no_such_backend"});
  testutil::RecordingLogger logger;
  EXPECT_FALSE(*gated.Run(g, &logger));
  EXPECT_TRUE(logger.Said({"no tactic on backends [no_such_backend]",
                           "a LayerNormalization with a Skip input"}))
      << logger.All();
  FuseSkipLayerNorm open({"cpu_ref"});
  EXPECT_TRUE(*open.Run(g, nullptr));
}

TEST(FuseSkipLayerNormTest, BuiltNetworkComputesTheSameAsUnfused) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  const std::vector<float> x = Random(2 * 5 * 12, rng, -2.0f, 2.0f);
  std::mt19937 weights_a(seed), weights_b(seed);
  BuildConfig config;
  config.max_batch = 2;
  // Fused: h and the LN; unfused (the sum is an output too): three layers.
  const std::vector<float> fused = testutil::BuildAndRunY(Block({}, weights_a), config, 2, x, 2);
  const std::vector<float> unfused =
      testutil::BuildAndRunY(Block({.sum_is_output = true}, weights_b), config, 3, x, 2);
  const double rel = testutil::RelativeL2(fused, unfused);
  std::printf("fused vs unfused skip-LayerNorm: rel L2 %.3g\n", rel);
  EXPECT_LE(rel, 1e-6);
}

}  // namespace
}  // namespace kiln
