// FuseMatMulBias: MatMul by a constant matrix + Add of a bias vector becomes
// one FullyConnected; the cases it must leave alone; and that a built
// network computes the same with and without the fusion.
#include "optimizer/passes/fuse_matmul_bias.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/element_wise.h"
#include "ops/fully_connected.h"
#include "ops/matmul.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

std::vector<float> Random(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// x [B, S, K] · W + b, as an exporter writes a transformer's projection.
struct Linear {
  NetworkDefinition net;
  TensorId x = -1, product = -1, y = -1;
};

struct Options {
  int64_t s = 5, k = 6, n = 4;
  bool transpose_b = false;
  bool bias_first = false;        // Add(b, x W)
  Dims bias_dims = {};            // default {n}
  bool bias_constant = true;
  ElementWiseOp op = ElementWiseOp::kSum;
  bool relu_after = false;        // then a ReLU (fuse-activation's)
};

Linear Make(const Options& o, std::mt19937& rng) {
  Linear l;
  l.x = *l.net.AddInput("x", DataType::kFloat32, {1, o.s, o.k});
  const Dims w_dims = o.transpose_b ? Dims{o.n, o.k} : Dims{o.k, o.n};
  TensorId w = *l.net.AddConstant("w", Weights::FromFloats(w_dims, Random(o.k * o.n, rng)));
  MatMulParams p;
  p.transpose_b = o.transpose_b;
  l.product = *AddMatMul(l.net, "proj", l.x, w, p);
  const Dims bias_dims = o.bias_dims.empty() ? Dims{o.n} : o.bias_dims;
  TensorId b = o.bias_constant
                   ? *l.net.AddConstant("b", Weights::FromFloats(bias_dims, Random(Volume(bias_dims), rng)))
                   : *l.net.AddInput("b", DataType::kFloat32, bias_dims, false);
  l.y = o.bias_first ? *AddElementWise(l.net, "add", b, l.product, o.op)
                     : *AddElementWise(l.net, "add", l.product, b, o.op);
  if (o.relu_after) l.y = *AddActivation(l.net, "relu", l.y, ActivationParams{});
  return l;
}

absl::StatusOr<bool> RunPass(Graph& g, Logger* logger = nullptr) {
  FuseMatMulBias pass;
  return pass.Run(g, logger);
}

TEST(FuseMatMulBiasTest, FusesAProjectionIntoAFullyConnectedOverTheLastAxis) {
  std::mt19937 rng(1);
  for (bool transpose_b : {false, true}) {
    for (bool bias_first : {false, true}) {
      Options o;
      o.transpose_b = transpose_b;
      o.bias_first = bias_first;
      Linear l = Make(o, rng);
      ASSERT_TRUE(l.net.MarkOutput(l.y).ok());
      Graph g = l.net.graph();
      auto changed = RunPass(g);
      ASSERT_TRUE(changed.ok()) << changed.status();
      ASSERT_TRUE(*changed);
      ASSERT_EQ(g.num_nodes(), 1);
      const Node& fc = g.node(0);
      EXPECT_EQ(fc.op, kFullyConnectedOp);
      EXPECT_EQ(fc.name, "proj");
      auto params = FullyConnectedParams::FromAttrs(fc.attrs);
      ASSERT_TRUE(params.ok());
      EXPECT_EQ(params->axis, 2);
      EXPECT_EQ(g.tensor(fc.inputs[1]).desc.dims, (Dims{o.n, o.k})) << "W stored as [N, K]";
      EXPECT_EQ(g.tensor(fc.inputs[2]).desc.dims, (Dims{o.n}));
      EXPECT_EQ(g.tensor(fc.inputs[1]).desc.name, "proj.weight");
      EXPECT_EQ(g.tensor(fc.inputs[2]).desc.name, "proj.bias");
      EXPECT_EQ(g.tensor(fc.outputs[0]).desc.name, l.net.graph().tensor(l.y).desc.name);
    }
  }
}

TEST(FuseMatMulBiasTest, LeavesOtherShapesAlone) {
  std::mt19937 rng(2);
  auto unchanged = [&](const Options& o, bool product_is_output, const char* why) {
    Linear l = Make(o, rng);
    ASSERT_TRUE(l.net.MarkOutput(l.y).ok());
    if (product_is_output) {
      ASSERT_TRUE(l.net.MarkOutput(l.product).ok());
    }
    Graph g = l.net.graph();
    testutil::RecordingLogger logger;
    auto changed = RunPass(g, &logger);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_FALSE(*changed) << why;
    EXPECT_TRUE(logger.Said({"fuse-matmul-bias: not fusing"})) << why << "\n" << logger.All();
  };
  Options sub;
  sub.op = ElementWiseOp::kSub;
  unchanged(sub, false, "a Sub is not a bias Add");
  Options per_row;
  per_row.bias_dims = {5, 4};  // [S, N]: varies along S too
  unchanged(per_row, false, "the bias varies along another axis");
  Options input_bias;
  input_bias.bias_constant = false;
  unchanged(input_bias, false, "the bias is not a constant");
  unchanged(Options{}, true, "the product is a network output");
}

TEST(FuseMatMulBiasTest, DoesNothingWithoutATacticOnTheBuildsBackends) {
  std::mt19937 rng(3);
  Linear l = Make(Options{}, rng);
  ASSERT_TRUE(l.net.MarkOutput(l.y).ok());
  FuseMatMulBias gated({"no_such_backend"}), on_cpu_ref({"cpu_ref"});
  testutil::ExpectFusesOnlyWithATactic(gated, on_cpu_ref, l.net, kFullyConnectedOp);
}

// The built networks, fused and not (the product also an output), agree on
// cpu_ref; with a ReLU after, fuse-activation then takes it too.
TEST(FuseMatMulBiasTest, FusedNetworkComputesTheSameOnCpuRef) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 6; ++round) {
    Options o;
    o.s = 1 + rng() % 9;
    o.k = 1 + rng() % 17;
    o.n = 1 + rng() % 13;
    o.transpose_b = round % 2 == 1;
    o.bias_dims = round % 3 == 2 ? Dims{1, 1, o.n} : Dims{};
    o.relu_after = round >= 3;
    const uint32_t weights_seed = rng();
    std::mt19937 a(weights_seed), b(weights_seed);
    Linear fused = Make(o, a);
    Linear unfused = Make(o, b);
    ASSERT_TRUE(fused.net.RenameTensor(fused.y, "y").ok());
    ASSERT_TRUE(unfused.net.RenameTensor(unfused.y, "y").ok());
    ASSERT_TRUE(fused.net.MarkOutput(fused.y).ok());
    ASSERT_TRUE(unfused.net.MarkOutput(unfused.y).ok());
    ASSERT_TRUE(unfused.net.MarkOutput(unfused.product).ok());
    const std::vector<float> x = Random(o.s * o.k, rng);
    BuildConfig config;
    const int unfused_layers = o.relu_after ? 3 : 2;
    const std::vector<float> want = testutil::BuildAndRunY(unfused.net, config, unfused_layers, x, 1);
    const std::vector<float> got = testutil::BuildAndRunY(fused.net, config, 1, x, 1);
    ASSERT_EQ(got.size(), static_cast<size_t>(o.s * o.n));
    const double error = testutil::RelativeL2(got, want);
    std::printf("round %d: s %lld k %lld n %lld: relative L2 %.3g\n", round,
                static_cast<long long>(o.s), static_cast<long long>(o.k),
                static_cast<long long>(o.n), error);
    EXPECT_LE(error, 1e-6);
  }
}

}  // namespace
}  // namespace kiln
