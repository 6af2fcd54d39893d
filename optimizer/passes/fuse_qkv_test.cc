// Tests of the fuse-qkv pass: three projections of one input feeding an
// Attention layer (layout bshd) become one FullyConnected of three times the
// width read by the Attention in layout packed_qkv, computing the same values.
#include "optimizer/passes/fuse_qkv.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/attention.h"
#include "ops/fully_connected.h"
#include "ops/shuffle.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Names;

constexpr int64_t kBatch = 2, kSeq = 5, kHeads = 3, kHead = 4, kWidth = kHeads * kHead;

Weights Random(Dims dims, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  std::vector<float> v(Volume(dims));
  for (float& x : v) x = dist(rng);
  return Weights::FromFloats(dims, v);
}

// x [B, S, H·D] -> "q", "k", "v" FullyConnected (over the last axis, with
// a bias; V reads `v_input` when given) -> each Reshape [0, S, H, D] ->
// Attention (bshd, a key mask) -> Reshape "y" [0, S, H·D].
NetworkDefinition ProjectionsNet(std::mt19937& rng, bool v_reads_another_input = false) {
  NetworkDefinition net;
  const TensorId x = *net.AddInput("x", DataType::kFloat32, {kBatch, kSeq, kWidth});
  const TensorId other =
      v_reads_another_input ? *net.AddInput("x2", DataType::kFloat32, {kBatch, kSeq, kWidth}) : x;
  const char* names[3] = {"q", "k", "v"};
  TensorId heads[3];
  for (int i = 0; i < 3; ++i) {
    const TensorId p = *AddFullyConnected(net, names[i], i == 2 ? other : x, kWidth,
                                          Random({kWidth, kWidth}, rng), Random({kWidth}, rng),
                                          /*axis=*/2);
    heads[i] = *AddReshape(net, absl::StrCat(names[i], "_split"), p, {0, kSeq, kHeads, kHead});
  }
  const TensorId mask = *net.AddConstant("mask", Weights::FromFloats({kSeq}, {0, 0, -1e4f, 0, 0}));
  AttentionParams params;
  params.scale = 0.5f;
  params.layout = AttentionLayout::kBshd;
  const TensorId o = *AddAttention(net, "attention", heads[0], heads[1], heads[2], mask, params);
  const TensorId y = *AddReshape(net, "y", o, {0, kSeq, kWidth});
  EXPECT_TRUE(net.MarkOutput(y).ok());
  return net;
}

std::mt19937 SeededRng() {
  const uint32_t seed = testutil::TestSeed();
  std::printf("seed %u\n", seed);
  return std::mt19937(seed);
}

TEST(FuseQkvTest, MergesTheProjectionsIntoOnePackedGemm) {
  std::mt19937 rng = SeededRng();
  const NetworkDefinition net = ProjectionsNet(rng);
  Graph g = net.graph();
  FuseQkv pass;
  auto changed = pass.Run(g, nullptr);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"q", "q_split", "attention", "y"}));
  const Node& fc = g.node(0);
  EXPECT_EQ(g.tensor(fc.inputs[1]).desc.dims, (Dims{3 * kWidth, kWidth}));
  EXPECT_EQ(g.tensor(fc.inputs[2]).desc.dims, (Dims{3 * kWidth}));
  EXPECT_EQ(g.tensor(fc.outputs[0]).desc.dims, (Dims{kBatch, kSeq, 3 * kWidth}));
  // K's rows follow Q's in the stacked weights.
  const Graph& original = net.graph();
  const Weights& stacked = *g.tensor(fc.inputs[1]).constant;
  const Weights& k_weights = *original.tensor(original.node(2).inputs[1]).constant;
  ASSERT_EQ(original.node(2).name, "k");
  EXPECT_EQ(stacked.as<float>()[kWidth * kWidth + 7], k_weights.as<float>()[7]);
  const Node& attention = g.node(2);
  auto params = AttentionParams::FromAttrs(attention.attrs);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->layout, AttentionLayout::kPackedQkv);
  EXPECT_EQ(g.tensor(attention.inputs[0]).desc.dims, (Dims{kBatch, kSeq, 3, kHeads, kHead}));
  EXPECT_EQ(attention.inputs[1], -1);
  EXPECT_EQ(attention.inputs[2], -1);
  EXPECT_EQ(g.tensor(attention.inputs[0]).producer, 1);
}

TEST(FuseQkvTest, LeavesProjectionsOfDifferentInputs) {
  std::mt19937 rng = SeededRng();
  const NetworkDefinition net = ProjectionsNet(rng, /*v_reads_another_input=*/true);
  FuseQkv pass;
  testutil::ExpectNotFused(pass, net, Names(net.graph()),
                           {"not merging the projections of 'attention'", "read different inputs"});
}

TEST(FuseQkvTest, MergesOnlyWhereATacticRunsPackedQkv) {
  std::mt19937 rng = SeededRng();
  const NetworkDefinition net = ProjectionsNet(rng);
  FuseQkv gated({"no_such_backend"});
  testutil::ExpectNotFused(gated, net, Names(net.graph()),
                           {"fuse-qkv: no tactic on backends [no_such_backend]", "packed_qkv"});
}

// Built on cpu_ref with and without the pass: the same values to rounding
// (the wide GEMM sums each output's products as the three did, but its
// tactic may block them otherwise), two projections and two Reshapes fewer.
TEST(FuseQkvTest, BuiltNetworkMatchesTheUnmergedOneOnCpuRef) {
  std::mt19937 rng = SeededRng();
  const NetworkDefinition net = ProjectionsNet(rng);
  std::uniform_real_distribution<float> dist(-2, 2);
  std::vector<float> x(kBatch * kSeq * kWidth);
  for (float& v : x) v = dist(rng);
  BuildConfig config;
  config.max_batch = kBatch;
  config.disabled_passes = {"fuse-qkv"};
  const std::vector<float> want = testutil::BuildAndRunY(net, config, 8, x, kBatch);
  config.disabled_passes.clear();
  const std::vector<float> got = testutil::BuildAndRunY(net, config, 4, x, kBatch);
  ASSERT_EQ(got.size(), x.size());
  EXPECT_LE(testutil::RelativeL2(got, want), 1e-6);
  const std::vector<float> one = testutil::BuildAndRunY(net, config, 4, x, /*batch=*/1);
  ASSERT_EQ(one.size(), x.size() / kBatch);
  EXPECT_LE(testutil::RelativeL2(one, std::vector<float>(want.begin(), want.begin() + one.size())),
            1e-6);
}

}  // namespace
}  // namespace kiln
