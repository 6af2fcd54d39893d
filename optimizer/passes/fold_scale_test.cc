// FoldScale: the graph before and after (weights and bias values included),
// the cases it must leave alone with the reason it logs, and that a built
// network computes the same with and without the folding.
#include "optimizer/passes/fold_scale.h"

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "graph/network_definition.h"
#include "ops/activation.h"
#include "ops/convolution.h"
#include "ops/deconvolution.h"
#include "ops/fully_connected.h"
#include "ops/scale.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Names;
using testutil::RecordingLogger;

// A 3x3 "same" convolution of x [2, 4, 5, 5] to 4 channels.
TensorId AddConv(NetworkDefinition& net, const std::string& name, TensorId x, std::mt19937& rng,
                 bool bias = true) {
  ConvolutionParams p;
  p.pads = {1, 1, 1, 1};
  std::optional<Weights> b;
  if (bias) b = testutil::RandomFloats({4}, rng);
  return *AddConvolution(net, name, x, p, testutil::RandomFloats({4, 4, 3, 3}, rng), b);
}

// A BatchNorm as kiln imports it: channel mode on dim 1, scale in [0.5, 1.5).
TensorId AddBatchNorm(NetworkDefinition& net, const std::string& name, TensorId x, int64_t channels,
                      std::mt19937& rng) {
  ScaleParams p;
  p.mode = ScaleMode::kChannel;
  p.channel_axis = 1;
  return *AddScale(net, name, x, p, testutil::RandomFloats({channels}, rng),
                   testutil::RandomFloats({channels}, rng, 0.5f, 1.5f), std::nullopt);
}

std::vector<float> Values(const Graph& g, TensorId t) {
  EXPECT_TRUE(g.tensor(t).is_constant()) << g.tensor(t).desc.name;
  return g.tensor(t).is_constant() ? testutil::ToFloats(*g.tensor(t).constant)
                                   : std::vector<float>{};
}

std::vector<float> Values(const Graph& g, const std::string& name) {
  const std::optional<TensorId> t = g.FindTensor(name);
  EXPECT_TRUE(t.has_value()) << name;
  return t.has_value() ? Values(g, *t) : std::vector<float>{};
}

absl::StatusOr<bool> RunPass(Graph& g, Logger* logger = nullptr) {
  FoldScale pass;
  return pass.Run(g, logger);
}

TEST(FoldScaleTest, FoldsConvolutionBatchNorm) {
  std::mt19937 rng(1);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId y = AddBatchNorm(net, "bn", c, 4, rng);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  const Graph before = net.graph();
  Graph g = before;
  RecordingLogger logger;
  auto changed = RunPass(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_TRUE(logger.messages().empty()) << logger.All();
  ASSERT_EQ(Names(g), (std::vector<std::string>{"conv"}));
  const Node& conv = g.node(0);
  // The layer writes the Scale's tensor, which keeps its name.
  EXPECT_EQ(g.tensor(conv.outputs[0]).desc.name, "bn");
  EXPECT_EQ(conv.outputs[0], g.outputs()[0]);
  EXPECT_EQ(g.tensor(conv.outputs[0]).producer, 0);
  EXPECT_FALSE(g.FindTensor("conv").has_value());
  EXPECT_FALSE(g.FindTensor("conv.weight").has_value());
  ASSERT_EQ(conv.inputs.size(), 3u);
  EXPECT_EQ(g.tensor(conv.inputs[1]).desc.name, "bn.folded_weight");
  EXPECT_EQ(g.tensor(conv.inputs[2]).desc.name, "bn.folded_bias");
  EXPECT_EQ(g.tensor(conv.inputs[1]).desc.dims, (Dims{4, 4, 3, 3}));
  const std::vector<float> w = Values(before, "conv.weight"), b = Values(before, "conv.bias");
  const std::vector<float> shift = Values(before, "bn.shift"), scale = Values(before, "bn.scale");
  const std::vector<float> w2 = Values(g, conv.inputs[1]), b2 = Values(g, conv.inputs[2]);
  ASSERT_EQ(w2.size(), w.size());
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(w2[i], w[i] * scale[i / 36]) << i;
  ASSERT_EQ(b2.size(), 4u);
  for (int k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(b2[k], b[k] * scale[k] + shift[k]) << k;
}

TEST(FoldScaleTest, FoldsUniformScaleIntoFullyConnectedAndCreatesTheBias) {
  std::mt19937 rng(2);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 2});
  TensorId fc =
      *AddFullyConnected(net, "fc", x, 5, testutil::RandomFloats({5, 6}, rng), std::nullopt);
  TensorId y = *AddScale(net, "s", fc, ScaleParams{}, Weights::FromFloats({1}, {0.5f}),
                         Weights::FromFloats({1}, {-2.0f}), Weights::FromFloats({1}, {1.0f}));
  ASSERT_TRUE(net.MarkOutput(y).ok());
  const Graph before = net.graph();
  Graph g = before;
  ASSERT_TRUE(*RunPass(g));
  ASSERT_EQ(Names(g), (std::vector<std::string>{"fc"}));
  const Node& node = g.node(0);
  ASSERT_EQ(node.inputs.size(), 3u);
  const std::vector<float> w = Values(before, "fc.weight");
  const std::vector<float> w2 = Values(g, node.inputs[1]);
  ASSERT_EQ(w2.size(), w.size());
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(w2[i], w[i] * -2.0f) << i;
  EXPECT_EQ(Values(g, node.inputs[2]), std::vector<float>(5, 0.5f));
  EXPECT_EQ(g.tensor(node.inputs[2]).desc.dims, (Dims{5}));
}

TEST(FoldScaleTest, FoldsFp16WeightsRoundingOnce) {
  std::mt19937 rng(3);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat16, {2, 4, 5, 5});
  Weights w(DataType::kFloat16, {4, 4, 1, 1}), b(DataType::kFloat16, {4});
  std::uniform_real_distribution<float> dist(-1, 1);
  for (int i = 0; i < 16; ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(dist(rng));
  for (int i = 0; i < 4; ++i) b.mutable_as<uint16_t>()[i] = FloatToHalf(dist(rng));
  TensorId c = *AddConvolution(net, "conv", x, ConvolutionParams{}, w, b);
  TensorId y = AddBatchNorm(net, "bn", c, 4, rng);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  const Graph before = net.graph();
  Graph g = before;
  ASSERT_TRUE(*RunPass(g));
  const Node& conv = g.node(0);
  const Weights& w2 = *g.tensor(conv.inputs[1]).constant;
  const Weights& b2 = *g.tensor(conv.inputs[2]).constant;
  ASSERT_EQ(w2.dtype(), DataType::kFloat16);
  ASSERT_EQ(b2.dtype(), DataType::kFloat16);
  const std::vector<float> shift = Values(before, "bn.shift"), scale = Values(before, "bn.scale");
  for (int i = 0; i < 16; ++i) {
    const float want = HalfToFloat(w.as<uint16_t>()[i]) * scale[i / 4];
    EXPECT_EQ(w2.as<uint16_t>()[i], FloatToHalf(want)) << i;
  }
  for (int k = 0; k < 4; ++k) {
    const float want = HalfToFloat(b.as<uint16_t>()[k]) * scale[k] + shift[k];
    EXPECT_NEAR(HalfToFloat(b2.as<uint16_t>()[k]), want, std::fabs(want) * 1e-3f + 1e-7f) << k;
  }
}

TEST(FoldScaleTest, FoldsIntoAGroupedDeconvolutionByOutputChannel) {
  std::mt19937 rng(4);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4, 3, 3});
  DeconvolutionParams p;
  p.group = 2;
  p.strides = {2, 2};
  // Weight (C=4, K/group=3, 2, 2): output channels 0-2 from inputs 0-1,
  // 3-5 from inputs 2-3.
  TensorId d = *AddDeconvolution(net, "deconv", x, p, testutil::RandomFloats({4, 3, 2, 2}, rng),
                                 std::nullopt);
  TensorId y = AddBatchNorm(net, "bn", d, 6, rng);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  const Graph before = net.graph();
  Graph g = before;
  ASSERT_TRUE(*RunPass(g));
  ASSERT_EQ(Names(g), (std::vector<std::string>{"deconv"}));
  const std::vector<float> w = Values(before, "deconv.weight");
  const std::vector<float> scale = Values(before, "bn.scale"), shift = Values(before, "bn.shift");
  const std::vector<float> w2 = Values(g, g.node(0).inputs[1]);
  ASSERT_EQ(w2.size(), 48u);
  for (int c = 0; c < 4; ++c) {
    for (int k = 0; k < 3; ++k) {
      const int out_channel = (c / 2) * 3 + k;
      for (int i = 0; i < 4; ++i) {
        const int at = (c * 3 + k) * 4 + i;
        EXPECT_EQ(w2[at], w[at] * scale[out_channel]) << "c " << c << " k " << k;
      }
    }
  }
  EXPECT_EQ(Values(g, g.node(0).inputs[2]), shift);
}

TEST(FoldScaleTest, LeavesWeightsThatAnotherLayerReadsAsTheyWere) {
  std::mt19937 rng(5);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId w = *net.AddConstant("shared", testutil::RandomFloats({4, 4, 1, 1}, rng));
  TensorId a = *net.AddLayer1("a", kConvolutionOp, {x, w}, ConvolutionParams{}.ToAttrs());
  TensorId b = *net.AddLayer1("b", kConvolutionOp, {x, w}, ConvolutionParams{}.ToAttrs());
  TensorId bn = AddBatchNorm(net, "bn", a, 4, rng);
  ASSERT_TRUE(net.MarkOutput(bn).ok());
  ASSERT_TRUE(net.MarkOutput(b).ok());
  const Graph before = net.graph();
  Graph g = before;
  ASSERT_TRUE(*RunPass(g));
  ASSERT_EQ(Names(g), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(g.tensor(g.node(0).inputs[1]).desc.name, "bn.folded_weight");
  EXPECT_EQ(g.tensor(g.node(1).inputs[1]).desc.name, "shared");
  EXPECT_EQ(Values(g, "shared"), Values(before, "shared"));
  // The definition's weights are shared with the graph copy and untouched.
  EXPECT_EQ(before.tensor(w).constant, g.tensor(g.node(1).inputs[1]).constant);
}

TEST(FoldScaleTest, FoldsTwoScalesInARow) {
  std::mt19937 rng(6);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng, /*bias=*/false);
  TensorId s1 = *AddScale(net, "s1", c, ScaleParams{}, std::nullopt,
                          Weights::FromFloats({1}, {3.0f}), std::nullopt);
  TensorId s2 = AddBatchNorm(net, "s2", s1, 4, rng);
  ASSERT_TRUE(net.MarkOutput(s2).ok());
  Graph g = net.graph();
  ASSERT_TRUE(*RunPass(g));
  ASSERT_EQ(Names(g), (std::vector<std::string>{"conv"}));
  EXPECT_EQ(g.tensor(g.node(0).outputs[0]).desc.name, "s2");
  EXPECT_EQ(g.tensor(g.node(0).inputs[1]).desc.name, "s2.folded_weight");
}

// The pass reports no change, the layers are still `names`, and one message
// holds every part of `why`.
void ExpectNotFolded(const NetworkDefinition& net, const std::vector<std::string>& names,
                     std::initializer_list<absl::string_view> why) {
  Graph g = net.graph();
  RecordingLogger logger;
  auto changed = RunPass(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(Names(g), names);
  EXPECT_TRUE(logger.Said(why)) << "log:\n" << logger.All();
}

TEST(FoldScaleTest, DoesNotFoldAScaleWithAPower) {
  std::mt19937 rng(7);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId y = *AddScale(net, "bn", c, ScaleParams{}, Weights::FromFloats({1}, {1.0f}),
                         Weights::FromFloats({1}, {2.0f}), Weights::FromFloats({1}, {2.0f}));
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFolded(net, {"conv", "bn"},
                  {"fold-scale: not folding 'bn' into 'conv'", "power 'bn.power' is not all ones"});
}

TEST(FoldScaleTest, DoesNotFoldElementwiseMode) {
  std::mt19937 rng(8);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  ScaleParams p;
  p.mode = ScaleMode::kElementwise;
  TensorId y = *AddScale(net, "bn", c, p, std::nullopt, testutil::RandomFloats({4, 5, 5}, rng),
                         std::nullopt);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFolded(net, {"conv", "bn"}, {"not folding 'bn' into 'conv'", "elementwise mode"});
}

TEST(FoldScaleTest, DoesNotFoldAScaleOfAnotherDim) {
  std::mt19937 rng(9);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  ScaleParams p;
  p.mode = ScaleMode::kChannel;
  p.channel_axis = -2;
  TensorId y =
      *AddScale(net, "bn", c, p, std::nullopt, testutil::RandomFloats({5}, rng), std::nullopt);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFolded(net, {"conv", "bn"}, {"it scales dim 2, not the output channels (dim 1)"});
}

TEST(FoldScaleTest, DoesNotFoldANonConstantScale) {
  std::mt19937 rng(10);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId s = *net.AddInput("s", DataType::kFloat32, {4}, /*batched=*/false);
  TensorId c = AddConv(net, "conv", x, rng);
  ScaleParams p;
  p.mode = ScaleMode::kChannel;
  TensorId y = *net.AddLayer1("bn", kScaleOp, {c, -1, s, -1}, p.ToAttrs());
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFolded(net, {"conv", "bn"},
                  {"not folding 'bn' into 'conv'", "scale 's' is not a constant"});
}

TEST(FoldScaleTest, DoesNotFoldWhenTheConvOutputHasTwoReaders) {
  std::mt19937 rng(11);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId y = AddBatchNorm(net, "bn", c, 4, rng);
  TensorId r = *AddActivation(net, "relu", c, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ASSERT_TRUE(net.MarkOutput(r).ok());
  ExpectNotFolded(net, {"conv", "bn", "relu"}, {"'conv' has 2 readers (bn, relu)"});
}

TEST(FoldScaleTest, DoesNotFoldWhenTheConvOutputIsANetworkOutput) {
  std::mt19937 rng(12);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId y = AddBatchNorm(net, "bn", c, 4, rng);
  ASSERT_TRUE(net.MarkOutput(c).ok());
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFolded(net, {"conv", "bn"},
                  {"not folding 'bn' into 'conv'", "'conv' is a network output"});
}

TEST(FoldScaleTest, DoesNotFoldIntoAConvolutionWithAFusedActivation) {
  std::mt19937 rng(13);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  ConvolutionParams p;
  p.activation = ActivationParams{ActivationType::kRelu};
  TensorId w = *net.AddConstant("w", testutil::RandomFloats({4, 4, 1, 1}, rng));
  TensorId c = *net.AddLayer1("conv", kConvolutionOp, {x, w}, p.ToAttrs());
  TensorId y = AddBatchNorm(net, "bn", c, 4, rng);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFolded(net, {"conv", "bn"}, {"fused activation or residual"});
}

TEST(FoldScaleTest, DoesNotFoldNonConstantWeightsOrOtherProducers) {
  std::mt19937 rng(14);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId w = *net.AddInput("w", DataType::kFloat32, {4, 4, 1, 1}, /*batched=*/false);
  TensorId c = *net.AddLayer1("conv", kConvolutionOp, {x, w}, ConvolutionParams{}.ToAttrs());
  TensorId y = AddBatchNorm(net, "bn", c, 4, rng);
  TensorId y2 = AddBatchNorm(net, "bn2", x, 4, rng);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ASSERT_TRUE(net.MarkOutput(y2).ok());
  ExpectNotFolded(net, {"conv", "bn", "bn2"},
                  {"'bn' into 'conv'", "weight is not a float constant"});
  ExpectNotFolded(net, {"conv", "bn", "bn2"},
                  {"not folding 'bn2': its input 'x' is not written by a Convolution"});
}

// x [3, 4, 6, 6] -> conv1 (3x3, 6 channels) -> bn1 -> relu1
//   -> deconv (2x2 stride 2, group 2, 4 channels, no bias) -> bn2
//   -> fc (5 outputs) -> bn3 (uniform, power given as ones) -> y.
// With `keep_intermediates` the layers' outputs before each Scale are
// network outputs, which blocks every folding (and the ReLU fusion).
NetworkDefinition BatchNormNet(bool keep_intermediates, std::mt19937& rng) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {3, 4, 6, 6});
  ConvolutionParams cp;
  cp.pads = {1, 1, 1, 1};
  TensorId c1 = *AddConvolution(net, "conv1", x, cp, testutil::RandomFloats({6, 4, 3, 3}, rng),
                                testutil::RandomFloats({6}, rng));
  TensorId b1 = AddBatchNorm(net, "bn1", c1, 6, rng);
  TensorId r1 = *AddActivation(net, "relu1", b1, {ActivationType::kRelu});
  DeconvolutionParams dp;
  dp.strides = {2, 2};
  dp.group = 2;
  TensorId d = *AddDeconvolution(net, "deconv", r1, dp, testutil::RandomFloats({6, 2, 2, 2}, rng),
                                 std::nullopt);
  TensorId b2 = AddBatchNorm(net, "bn2", d, 4, rng);
  TensorId fc = *AddFullyConnected(net, "fc", b2, 5, testutil::RandomFloats({5, 4 * 12 * 12}, rng),
                                   testutil::RandomFloats({5}, rng));
  TensorId y =
      *AddScale(net, "y", fc, ScaleParams{}, testutil::RandomFloats({1}, rng),
                testutil::RandomFloats({1}, rng, 0.5f, 1.5f), Weights::FromFloats({1}, {1.0f}));
  EXPECT_TRUE(net.MarkOutput(y).ok());
  if (keep_intermediates) {
    for (TensorId t : {c1, d, fc}) EXPECT_TRUE(net.MarkOutput(t).ok());
  }
  return net;
}

// Builds `net` for cpu_ref, runs it through a serialized plan and returns "y".
std::vector<float> BuildAndRun(const NetworkDefinition& net, int expected_layers,
                               const std::vector<float>& x, int batch) {
  BuildConfig config;
  config.max_batch = 3;
  config.timing_iterations = 1;
  return testutil::BuildAndRunY(net, config, expected_layers, x, batch);
}

TEST(FoldScaleTest, BuiltNetworkMatchesTheUnfoldedOneOnCpuRef) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::mt19937 weights_rng = rng;
  const NetworkDefinition folded = BatchNormNet(false, rng);
  const NetworkDefinition unfolded = BatchNormNet(true, weights_rng);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(3 * 4 * 6 * 6);
  for (float& v : x) v = dist(rng);
  for (int batch : {3, 1}) {
    SCOPED_TRACE(testing::Message() << "batch " << batch);
    // Unfolded: conv1, bn1, relu1, deconv, bn2, fc, y. Folded: conv1 (with
    // bn1 and relu1), deconv (with bn2), fc (with y).
    const std::vector<float> want = BuildAndRun(unfolded, 7, x, batch);
    const std::vector<float> got = BuildAndRun(folded, 3, x, batch);
    ASSERT_EQ(got.size(), static_cast<size_t>(batch * 5));
    ASSERT_EQ(want.size(), got.size());
    double diff = 0, norm = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      diff += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
      norm += double(want[i]) * want[i];
    }
    const double rel_l2 = std::sqrt(diff / norm);
    std::printf("batch %d: rel-L2 %.3g between folded and unfolded\n", batch, rel_l2);
    // Folding reassociates (x * w) * s as x * (w * s): a few fp32 roundings.
    EXPECT_LE(rel_l2, 1e-5);
  }
}

TEST(FoldScaleTest, TheBuilderSaysWhyAScaleStays) {
  std::mt19937 rng(15);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4, 5, 5});
  TensorId c = AddConv(net, "conv", x, rng);
  TensorId y = *AddScale(net, "bn", c, ScaleParams{}, std::nullopt, std::nullopt,
                         Weights::FromFloats({1}, {2.0f}));
  ASSERT_TRUE(net.MarkOutput(y).ok());
  RecordingLogger logger;
  BuildConfig config;
  config.max_batch = 2;
  config.timing_iterations = 1;
  config.logger = &logger;
  auto plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->nodes.size(), 2u);
  EXPECT_TRUE(logger.Said({"fold-scale: not folding 'bn' into 'conv'", "not all ones"}))
      << logger.All();
  EXPECT_TRUE(logger.Said({"pass fold-scale: no change"})) << logger.All();
}

}  // namespace
}  // namespace kiln
