// FusePointwise: the graph before and after, the cases it must leave alone,
// and that a built network computes the same with and without the fusion.
#include "optimizer/passes/fuse_pointwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "graph/network_definition.h"
#include "ops/activation.h"
#include "ops/convolution.h"
#include "ops/element_wise.h"
#include "ops/pointwise_chain.h"
#include "ops/scale.h"
#include "ops/unary.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Names;

absl::StatusOr<bool> RunPass(Graph& g, Logger* logger = nullptr) {
  FusePointwise pass;
  return pass.Run(g, logger);
}

Weights Scalar(float v, Dims dims = {1}) { return Weights::FromFloats(dims, {v}); }

// A one-element constant of `dtype` (ElementWise operands share their dtype).
Weights ScalarOf(DataType dtype, float v) {
  if (dtype == DataType::kFloat32) return Scalar(v);
  Weights w(DataType::kFloat16, {1});
  w.mutable_as<uint16_t>()[0] = FloatToHalf(v);
  return w;
}

// The steps of the PointwiseChain layer `n`.
std::vector<PointwiseStep> StepsOf(const Graph& g, NodeId n) {
  EXPECT_EQ(g.node(n).op, kPointwiseChainOp);
  auto params = PointwiseChainParams::FromAttrs(g.node(n).attrs);
  EXPECT_TRUE(params.ok()) << params.status();
  return params.ok() ? params->steps : std::vector<PointwiseStep>{};
}

void ExpectSteps(const std::vector<PointwiseStep>& got, const std::vector<PointwiseStep>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(got[i] == want[i]) << "step " << i + 1 << ": " << got[i].ToString() << " vs "
                                   << want[i].ToString();
  }
}

TEST(FusePointwiseTest, FusesEveryKindOfElementWiseLayerIntoOneChain) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId a = *AddActivation(net, "relu", x, {ActivationType::kRelu});
  TensorId b = *AddUnary(net, "exp", a, UnaryOp::kExp);
  TensorId c = *AddScale(net, "scale", b, {ScaleMode::kUniform}, Scalar(1.0f), Scalar(2.0f),
                         std::nullopt);
  TensorId k = *net.AddConstant("k", Scalar(3.0f, {1, 1}));
  TensorId d = *AddElementWise(net, "mul", c, k, ElementWiseOp::kProd);
  TensorId y = *AddActivation(net, "y", d, {ActivationType::kLeakyRelu, 0.1f});
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph g = net.graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"relu"}));
  ExpectSteps(StepsOf(g, 0), {PointwiseStep::Activation({ActivationType::kRelu}),
                              PointwiseStep::Unary(UnaryOp::kExp),
                              PointwiseStep::Scale(2.0f, 1.0f, std::nullopt),
                              PointwiseStep::ElementWise(ElementWiseOp::kProd, 3.0f, false),
                              PointwiseStep::Activation({ActivationType::kLeakyRelu, 0.1f})});
  // Reads x, writes the last layer's tensor; the constants are gone.
  EXPECT_EQ(g.node(0).inputs, (std::vector<TensorId>{*g.FindTensor("x")}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.node(0).outputs, (std::vector<TensorId>{g.outputs()[0]}));
  EXPECT_EQ(g.tensor(g.outputs()[0]).desc.name, "y");
  EXPECT_EQ(g.tensor(g.outputs()[0]).producer, 0);
  EXPECT_FALSE(g.FindTensor("k").has_value());
  EXPECT_FALSE(g.FindTensor("scale.scale").has_value());
  EXPECT_FALSE(g.FindTensor("exp").has_value());
}

TEST(FusePointwiseTest, KeepsTheOperandOrderOfAScalarOnTheLeft) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat16, {4});
  Weights half(DataType::kFloat16, {1});
  half.mutable_as<uint16_t>()[0] = FloatToHalf(0.5f);
  TensorId k = *net.AddConstant("k", half);
  TensorId a = *AddElementWise(net, "rsub", k, x, ElementWiseOp::kSub);
  TensorId y = *AddUnary(net, "y", a, UnaryOp::kAbs);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph g = net.graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ExpectSteps(StepsOf(g, 0), {PointwiseStep::ElementWise(ElementWiseOp::kSub, 0.5f, true),
                              PointwiseStep::Unary(UnaryOp::kAbs)});
  EXPECT_EQ(g.tensor(g.node(0).outputs[0]).desc.dtype, DataType::kFloat16);
}

TEST(FusePointwiseTest, GrowsExistingChainsAndMergesThem) {
  PointwiseChainParams two;
  two.steps = {PointwiseStep::Unary(UnaryOp::kSin), PointwiseStep::Unary(UnaryOp::kCos)};
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId a = *AddActivation(net, "tanh", x, {ActivationType::kTanh});
  TensorId b = *AddPointwiseChain(net, "chain1", a, two);
  TensorId c = *AddPointwiseChain(net, "chain2", b, two);
  TensorId y = *AddUnary(net, "y", c, UnaryOp::kNeg);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph g = net.graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"tanh"}));
  ExpectSteps(StepsOf(g, 0),
              {PointwiseStep::Activation({ActivationType::kTanh}), two.steps[0], two.steps[1],
               two.steps[0], two.steps[1], PointwiseStep::Unary(UnaryOp::kNeg)});
  // A second run finds nothing more to do.
  auto again = RunPass(g);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(*again);
}

TEST(FusePointwiseTest, FusesEachBranchSeparately) {
  // x -> sigmoid -> {neg -> exp -> "y1", abs -> "y2"}: sigmoid's output has
  // two readers, so it stays; each branch of two layers fuses.
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {5});
  TensorId s = *AddActivation(net, "sigmoid", x, {ActivationType::kSigmoid});
  TensorId n = *AddUnary(net, "neg", s, UnaryOp::kNeg);
  TensorId y1 = *AddUnary(net, "y1", n, UnaryOp::kExp);
  TensorId y2 = *AddUnary(net, "y2", s, UnaryOp::kAbs);
  ASSERT_TRUE(net.MarkOutput(y1).ok());
  ASSERT_TRUE(net.MarkOutput(y2).ok());
  Graph g = net.graph();
  testutil::RecordingLogger logger;
  auto changed = RunPass(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(g), (std::vector<std::string>{"sigmoid", "neg", "y2"}));
  EXPECT_EQ(g.node(0).op, kActivationOp);
  ExpectSteps(StepsOf(g, 1),
              {PointwiseStep::Unary(UnaryOp::kNeg), PointwiseStep::Unary(UnaryOp::kExp)});
  EXPECT_EQ(g.node(2).op, kUnaryOp);
  EXPECT_TRUE(logger.Said({"not fusing 'sigmoid'", "has 2 readers (neg, y2)"})) << logger.All();
}

TEST(FusePointwiseTest, SplitsChainsLongerThanALayerHolds) {
  NetworkDefinition net;
  TensorId t = *net.AddInput("x", DataType::kFloat32, {3});
  const int n = kMaxPointwiseChainSteps + 8;
  for (int i = 0; i < n; ++i) {
    t = *AddUnary(net, i + 1 == n ? "y" : absl::StrCat("neg", i), t, UnaryOp::kNeg);
  }
  ASSERT_TRUE(net.MarkOutput(t).ok());
  Graph g = net.graph();
  testutil::RecordingLogger logger;
  auto changed = RunPass(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ASSERT_EQ(g.num_nodes(), 2);
  EXPECT_EQ(StepsOf(g, 0).size(), static_cast<size_t>(kMaxPointwiseChainSteps));
  EXPECT_EQ(StepsOf(g, 1).size(), 8u);
  EXPECT_TRUE(logger.Said({"the chain from 'neg0' (32 layers) ends at 'neg31'",
                           "a PointwiseChain holds at most 32"}))
      << logger.All();
}

// The pass reports no change, the layers are still `names`, and it logged
// `why` (all of those parts in one message).
void ExpectNotFused(const NetworkDefinition& net, const std::vector<std::string>& names,
                    std::initializer_list<absl::string_view> why) {
  FusePointwise pass;
  testutil::ExpectNotFused(pass, net, names, why);
}

TEST(FusePointwiseTest, DoesNotFuseWhenTheIntermediateIsAnOutput) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId a = *AddActivation(net, "relu", x, {ActivationType::kRelu});
  TensorId y = *AddUnary(net, "y", a, UnaryOp::kExp);
  ASSERT_TRUE(net.MarkOutput(a).ok());
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFused(net, {"relu", "y"},
                 {"fuse-pointwise: not fusing 'relu' (Activation)",
                  "its output 'relu' is a network output"});
}

TEST(FusePointwiseTest, DoesNotFuseATensorTimesItself) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId a = *AddActivation(net, "relu", x, {ActivationType::kRelu});
  TensorId b = *AddElementWise(net, "y", a, a, ElementWiseOp::kProd);
  ASSERT_TRUE(net.MarkOutput(b).ok());
  // "y" is relu's one reader, but its other operand is no constant.
  ExpectNotFused(net, {"relu", "y"},
                 {"'y' (ElementWise) cannot join a chain", "neither operand is a one-element",
                  "'relu' (fp32 2x3, not a constant)"});
}

TEST(FusePointwiseTest, DoesNotFuseANonScalarOperand) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId a = *AddUnary(net, "exp", x, UnaryOp::kExp);
  TensorId bias = *net.AddConstant("bias", Weights::FromFloats({3}, {1, 2, 3}));
  TensorId y = *AddElementWise(net, "y", a, bias, ElementWiseOp::kSum);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFused(net, {"exp", "y"},
                 {"'y' (ElementWise) cannot join", "'bias' (fp32 3, a constant)"});
}

TEST(FusePointwiseTest, DoesNotFuseAScalarThatBroadcastsToAHigherRank) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {4});
  TensorId a = *AddUnary(net, "exp", x, UnaryOp::kExp);
  TensorId k = *net.AddConstant("k", Scalar(2.0f, {1, 1}));
  TensorId y = *AddElementWise(net, "y", a, k, ElementWiseOp::kProd);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFused(net, {"exp", "y"},
                 {"'y' (ElementWise) cannot join", "(fp32 1x4) is not shaped like its input",
                  "the constant broadcasts"});
}

TEST(FusePointwiseTest, DoesNotFuseIntegerElementWise) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kInt32, {4});
  const int32_t one = 1;
  TensorId k = *net.AddConstant("k", Weights::FromBytes(DataType::kInt32, {1}, &one, 4));
  TensorId a = *AddElementWise(net, "add", x, k, ElementWiseOp::kSum);
  TensorId y = *AddElementWise(net, "y", a, k, ElementWiseOp::kProd);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFused(net, {"add", "y"},
                 {"'add' (ElementWise) cannot join", "it computes on int32; chains are fp32"});
}

TEST(FusePointwiseTest, DoesNotFuseNonUniformOrComputedScales) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId s = *net.AddInput("s", DataType::kFloat32, {1}, /*batched=*/false);
  TensorId a = *AddUnary(net, "exp", x, UnaryOp::kExp);
  TensorId b = *AddScale(net, "channel", a, {ScaleMode::kChannel, 1},
                         Weights::FromFloats({3}, {1, 2, 3}), std::nullopt, std::nullopt);
  TensorId c = *net.AddLayer1("computed", kScaleOp, {b, -1, s, -1}, ScaleParams{}.ToAttrs());
  ASSERT_TRUE(net.MarkOutput(c).ok());
  ExpectNotFused(net, {"exp", "channel", "computed"},
                 {"'channel' (Scale) cannot join", "channel mode; only uniform"});
  ExpectNotFused(net, {"exp", "channel", "computed"},
                 {"'computed' (Scale) cannot join", "its scale 's' (fp32 1, not a constant)"});
}

TEST(FusePointwiseTest, LeavesASingleLayerAlone) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId y = *AddActivation(net, "y", x, {ActivationType::kTanh});
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFused(net, {"y"}, {"not fusing 'y' (Activation)", "is a network output"});
}

TEST(FusePointwiseTest, DoesNothingWithoutATacticOnTheBuildsBackends) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3});
  TensorId a = *AddActivation(net, "relu", x, {ActivationType::kRelu});
  TensorId y = *AddUnary(net, "y", a, UnaryOp::kExp);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  FusePointwise gated({"no_such_backend"}), on_cpu_ref({"cpu_ref"});
  testutil::ExpectFusesOnlyWithATactic(gated, on_cpu_ref, net, kPointwiseChainOp);
}

// ---- Built networks: the fused one computes what the unfused one did. ----

// One layer of a random chain.
struct LayerSpec {
  enum Kind { kActivation, kUnary, kScale, kElementWise } kind;
  ActivationParams activation;
  UnaryOp unary = UnaryOp::kExp;
  std::optional<float> shift, scale, power;
  ElementWiseOp binary = ElementWiseOp::kSum;
  float scalar = 0.0f;
  bool scalar_first = false;
};

LayerSpec RandomLayer(std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::uniform_int_distribution<int> pick(0, 1000);
  LayerSpec l;
  l.kind = static_cast<LayerSpec::Kind>(pick(rng) % 4);
  l.activation = {static_cast<ActivationType>(pick(rng) % 14), u(rng), u(rng)};
  if (l.activation.type == ActivationType::kClip && l.activation.alpha > l.activation.beta) {
    std::swap(l.activation.alpha, l.activation.beta);
  }
  l.unary = static_cast<UnaryOp>(pick(rng) % 22);
  if (pick(rng) % 2) l.shift = u(rng);
  if (pick(rng) % 2) l.scale = u(rng);
  if (pick(rng) % 3 == 0) l.power = static_cast<float>(pick(rng) % 3 + 1);
  l.binary = static_cast<ElementWiseOp>(pick(rng) % 7);
  l.scalar = u(rng);
  l.scalar_first = pick(rng) % 2;
  return l;
}

// Adds `l` reading `in`, its constants in `dtype` (in's).
TensorId AddLayer(NetworkDefinition& net, const std::string& name, TensorId in, DataType dtype,
                  const LayerSpec& l) {
  auto w = [&](std::optional<float> v) {
    return v.has_value() ? std::optional<Weights>(ScalarOf(dtype, *v)) : std::nullopt;
  };
  switch (l.kind) {
    case LayerSpec::kActivation: return *AddActivation(net, name, in, l.activation);
    case LayerSpec::kUnary: return *AddUnary(net, name, in, l.unary);
    case LayerSpec::kScale:
      return *AddScale(net, name, in, {ScaleMode::kUniform}, w(l.shift), w(l.scale), w(l.power));
    case LayerSpec::kElementWise: {
      TensorId k = *net.AddConstant(name + ".k", ScalarOf(dtype, l.scalar));
      return l.scalar_first ? *AddElementWise(net, name, k, in, l.binary)
                            : *AddElementWise(net, name, in, k, l.binary);
    }
  }
  return -1;
}

// x (dtype, dims) -> the layers -> "y". With `keep_intermediates` every
// intermediate is an output too, so nothing fuses: the same computation,
// unfused.
NetworkDefinition ChainNet(const std::vector<LayerSpec>& layers, bool keep_intermediates,
                           DataType dtype = DataType::kFloat32, Dims dims = {3, 7}) {
  NetworkDefinition net;
  TensorId t = *net.AddInput("x", dtype, dims);
  for (size_t i = 0; i < layers.size(); ++i) {
    t = AddLayer(net, i + 1 == layers.size() ? "y" : absl::StrCat("l", i), t, dtype, layers[i]);
    if (keep_intermediates && i + 1 < layers.size()) {
      EXPECT_TRUE(net.MarkOutput(t).ok());
    }
  }
  EXPECT_TRUE(net.MarkOutput(t).ok());
  return net;
}

std::string Describe(const NetworkDefinition& net) {
  Graph g = net.graph();
  std::string s;
  for (const Node& n : g.nodes()) {
    absl::StrAppend(&s, n.name, " ", n.op, "(", n.attrs.ToString(), ") ");
  }
  return s;
}

TEST(FusePointwiseTest, RandomChainsComputeTheSameOnCpuRefBitForBit) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-3, 3);
  BuildConfig config;
  config.max_batch = 3;
  for (int round = 0; round < 20; ++round) {
    std::vector<LayerSpec> layers(std::uniform_int_distribution<int>(2, 6)(rng));
    for (LayerSpec& l : layers) l = RandomLayer(rng);
    const NetworkDefinition fused = ChainNet(layers, false);
    const NetworkDefinition unfused = ChainNet(layers, true);
    SCOPED_TRACE(Describe(unfused));
    std::vector<float> x(3 * 7);
    for (float& v : x) v = dist(rng);
    for (int batch : {3, 1}) {
      const std::vector<float> want =
          testutil::BuildAndRunY(unfused, config, static_cast<int>(layers.size()), x, batch);
      const std::vector<float> got = testutil::BuildAndRunY(fused, config, 1, x, batch);
      ASSERT_EQ(got.size(), static_cast<size_t>(batch * 7));
      ASSERT_EQ(want.size(), got.size());
      // The same functions on the same fp32 values: the same bits, NaNs included.
      EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
          << "batch " << batch << ": first values " << got[0] << " vs " << want[0];
    }
  }
}

TEST(FusePointwiseTest, Fp16ChainRoundsOnceInsteadOfPerLayer) {
  // x fp16 -> hard_swish -> (x * 0.75 + 0.5) -> min(x, 1.5) -> tanh -> "y".
  const std::vector<LayerSpec> layers = [] {
    std::vector<LayerSpec> l(4);
    l[0].kind = LayerSpec::kActivation;
    l[0].activation = {ActivationType::kHardSwish};
    l[1].kind = LayerSpec::kScale;
    l[1].scale = 0.75f;
    l[1].shift = 0.5f;
    l[2].kind = LayerSpec::kElementWise;
    l[2].binary = ElementWiseOp::kMin;
    l[2].scalar = 1.5f;
    l[3].kind = LayerSpec::kActivation;
    l[3].activation = {ActivationType::kTanh};
    return l;
  }();
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-4, 4);
  // BuildAndRunY passes float vectors as raw bindings: pack the fp16 input's
  // bits into one, and read the fp16 output's bits out of the other.
  const int n = 2 * 9;
  std::vector<float> x_bits((n + 1) / 2);
  auto* x_half = reinterpret_cast<uint16_t*>(x_bits.data());
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i) {
    x_half[i] = FloatToHalf(dist(rng));
    x[i] = HalfToFloat(x_half[i]);
  }
  BuildConfig config;
  config.max_batch = 2;
  const NetworkDefinition unfused = ChainNet(layers, true, DataType::kFloat16, {2, 9});
  const NetworkDefinition fused = ChainNet(layers, false, DataType::kFloat16, {2, 9});
  const std::vector<float> want_bits = testutil::BuildAndRunY(unfused, config, 4, x_bits, 2);
  const std::vector<float> got_bits = testutil::BuildAndRunY(fused, config, 1, x_bits, 2);
  ASSERT_GE(want_bits.size() * 2, static_cast<size_t>(n));
  ASSERT_GE(got_bits.size() * 2, static_cast<size_t>(n));
  const auto* want = reinterpret_cast<const uint16_t*>(want_bits.data());
  const auto* got = reinterpret_cast<const uint16_t*>(got_bits.data());
  for (int i = 0; i < n; ++i) {
    // The chain in fp32, rounded once, as the fused layer must compute it.
    float v = x[i];
    v = v * std::max(0.0f, std::min(1.0f, v / 6.0f + 0.5f));
    v = std::tanh(std::fmin(v * 0.75f + 0.5f, 1.5f));
    EXPECT_EQ(got[i], FloatToHalf(v)) << "element " << i << " x " << x[i];
    // Per-layer rounding (the unfused network) differs by a few fp16 ulps at most.
    EXPECT_NEAR(HalfToFloat(want[i]), HalfToFloat(got[i]), 5e-3f) << "element " << i;
  }
}

TEST(FusePointwiseTest, ConvolutionTakesItsActivationFirst) {
  // conv -> relu -> sigmoid -> (* 2) -> "y": fuse-conv-epilogue takes the
  // ReLU; sigmoid and the multiply become one chain. The plan has 2 layers.
  std::mt19937 rng(7);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 2, 4, 4});
  TensorId c = *AddConvolution(net, "conv", x, ConvolutionParams{},
                               testutil::RandomFloats({3, 2, 1, 1}, rng),
                               testutil::RandomFloats({3}, rng));
  TensorId r = *AddActivation(net, "relu", c, {ActivationType::kRelu});
  TensorId s = *AddActivation(net, "sigmoid", r, {ActivationType::kSigmoid});
  TensorId k = *net.AddConstant("two", Scalar(2.0f));
  TensorId y = *AddElementWise(net, "y", s, k, ElementWiseOp::kProd);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  BuildConfig config;
  auto plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->nodes.size(), 2u);
  EXPECT_EQ(plan->nodes[0].op, kConvolutionOp);
  EXPECT_TRUE(plan->nodes[0].attrs.Has(kFusedActivationAttr));
  EXPECT_EQ(plan->nodes[1].op, kPointwiseChainOp);
  EXPECT_EQ(plan->nodes[1].tactic, "cpu_ref.pointwise_chain");
}

}  // namespace
}  // namespace kiln
