// Tests of the fold-attention-transposes pass: the head transposes around an
// Attention layer fold into it (layout bshd) when all four are there, and the
// folded network computes what the unfolded one does.
#include "optimizer/passes/fold_attention_transposes.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/attention.h"
#include "ops/shuffle.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Names;
using testutil::RecordingLogger;

constexpr int64_t kBatch = 2, kSeq = 5, kHeads = 3, kHead = 4;

ShuffleParams Swap12() {
  ShuffleParams p;
  p.first_transpose = {0, 2, 1, 3};
  return p;
}

// x [B, S, H·D] -> relu / sigmoid / tanh (Q, K, V) -> each Reshape to
// [B, S, H, D] and Transpose to [B, H, S, D] (with `q_after`, Q then goes
// through one more layer, a ReLU "q_after") -> Attention
// (bhsd, scale 0.5, a padding mask over the keys) -> Transpose back ->
// Reshape to [B, S, H·D] "y".
NetworkDefinition HeadsNet(bool q_after = false) {
  NetworkDefinition net;
  const TensorId x = *net.AddInput("x", DataType::kFloat32, {kBatch, kSeq, kHeads * kHead});
  const ActivationType types[3] = {ActivationType::kRelu, ActivationType::kSigmoid,
                                   ActivationType::kTanh};
  const char* names[3] = {"q", "k", "v"};
  TensorId heads[3];
  for (int i = 0; i < 3; ++i) {
    const TensorId a = *AddActivation(net, names[i], x, {types[i]});
    const TensorId r =
        *AddReshape(net, absl::StrCat(names[i], "_split"), a, {0, kSeq, kHeads, kHead});
    heads[i] = *AddShuffle(net, absl::StrCat(names[i], "_heads"), r, Swap12());
  }
  if (q_after) heads[0] = *AddActivation(net, "q_after", heads[0], {ActivationType::kRelu});
  const TensorId mask = *net.AddConstant("mask", Weights::FromFloats({kSeq}, {0, 0, 0, -1e4f, 0}));
  AttentionParams params;
  params.scale = 0.5f;
  const TensorId o = *AddAttention(net, "attention", heads[0], heads[1], heads[2], mask, params);
  const TensorId merged = *AddShuffle(net, "merge_heads", o, Swap12());
  const TensorId y = *AddReshape(net, "y", merged, {0, kSeq, kHeads * kHead});
  EXPECT_TRUE(net.MarkOutput(y).ok());
  return net;
}

TEST(FoldAttentionTransposesTest, FoldsTheFourTransposesIntoLayoutBshd) {
  Graph g = HeadsNet().graph();
  FoldAttentionTransposes pass;
  auto changed = pass.Run(g, nullptr);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"q", "q_split", "k", "k_split", "v", "v_split",
                                                "attention", "y"}));
  const Node& attention = g.node(6);
  auto params = AttentionParams::FromAttrs(attention.attrs);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->layout, AttentionLayout::kBshd);
  EXPECT_FLOAT_EQ(params->scale, 0.5f);
  EXPECT_EQ(attention.inputs[0], g.node(1).outputs[0]) << "Q is the split projection";
  EXPECT_EQ(attention.inputs[2], g.node(5).outputs[0]);
  // It writes what the output Transpose wrote: [B, S, H, D].
  const TensorDesc& out = g.tensor(attention.outputs[0]).desc;
  EXPECT_EQ(out.name, "merge_heads");
  EXPECT_EQ(out.dims, (Dims{kBatch, kSeq, kHeads, kHead}));
  EXPECT_EQ(g.tensor(attention.outputs[0]).producer, 6);
  EXPECT_EQ(g.node(7).inputs[0], attention.outputs[0]);
}

// All of Q, K, V and the output change layout together: one that is not a
// head transpose keeps the other three too.
TEST(FoldAttentionTransposesTest, LeavesAttentionWhoseQIsNotAHeadTranspose) {
  FoldAttentionTransposes pass;
  NetworkDefinition net = HeadsNet(/*q_after=*/true);
  testutil::ExpectNotFused(pass, net, Names(net.graph()),
                           {"not folding the transposes of 'attention'",
                            "Q comes from 'q_after' (Activation)", "[0, 2, 1, 3]"});
}

TEST(FoldAttentionTransposesTest, LeavesAnOutputReadTwice) {
  NetworkDefinition net = HeadsNet();
  // A second reader of the Attention output.
  const TensorId o = net.graph().node(9).outputs[0];
  ASSERT_EQ(net.graph().node(9).name, "attention");
  const TensorId extra = *AddActivation(net, "extra", o, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(extra).ok());
  FoldAttentionTransposes pass;
  testutil::ExpectNotFused(
      pass, net, Names(net.graph()),
      {"not folding the transposes of 'attention'", "the output", "2 readers"});
}

TEST(FoldAttentionTransposesTest, FoldsOnlyWhereATacticRunsBshd) {
  FoldAttentionTransposes gated({"no_such_backend"});
  NetworkDefinition net = HeadsNet();
  testutil::ExpectNotFused(
      gated, net, Names(net.graph()),
      {"fold-attention-transposes: no tactic on backends [no_such_backend]", "layout bshd"});
  FoldAttentionTransposes cpu({"cpu_ref"});
  Graph g = net.graph();
  auto changed = cpu.Run(g, nullptr);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
}

// The whole build on cpu_ref with and without the pass: the same values, bit
// for bit (cpu_ref's Attention computes every row in one order whatever the
// layout), and four layers fewer.
TEST(FoldAttentionTransposesTest, BuiltNetworkMatchesTheUnfoldedOneOnCpuRef) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2, 2);
  std::vector<float> x(kBatch * kSeq * kHeads * kHead);
  for (float& v : x) v = dist(rng);
  const NetworkDefinition net = HeadsNet();
  BuildConfig config;
  config.max_batch = kBatch;
  config.disabled_passes = {"fold-attention-transposes"};
  const int unfolded_layers = 12;
  const std::vector<float> want = testutil::BuildAndRunY(net, config, unfolded_layers, x, kBatch);
  config.disabled_passes.clear();
  const std::vector<float> got =
      testutil::BuildAndRunY(net, config, unfolded_layers - 4, x, kBatch);
  ASSERT_EQ(got.size(), x.size());
  EXPECT_EQ(got, want);
  // Batch 1 runs the first item of the same inputs.
  const std::vector<float> one =
      testutil::BuildAndRunY(net, config, unfolded_layers - 4, x, /*batch=*/1);
  ASSERT_EQ(one.size(), x.size() / kBatch);
  EXPECT_EQ(one, std::vector<float>(want.begin(), want.begin() + one.size()));
}

}  // namespace
}  // namespace kiln
