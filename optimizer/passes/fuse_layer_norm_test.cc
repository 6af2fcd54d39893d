// FuseLayerNorm: the graph before and after for each form exporters write,
// the cases it must leave alone, and that a built network computes the same
// with and without the fusion.
#include "optimizer/passes/fuse_layer_norm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/element_wise.h"
#include "ops/layer_normalization.h"
#include "ops/reduce.h"
#include "ops/unary.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Names;

absl::StatusOr<bool> RunPass(Graph& g, Logger* logger = nullptr) {
  FuseLayerNorm pass;
  return pass.Run(g, logger);
}

// How one decomposed LayerNormalization is written.
struct Form {
  bool pow = true;           // Pow(d, 2); else d * d
  bool eps_first = false;    // Add(eps, v); else Add(v, eps)
  bool gamma = true;         // Mul by gamma
  bool gamma_first = false;  // Mul(gamma, n)
  bool beta = true;          // Add of beta
  bool beta_first = false;   // Add(beta, ...)
  int64_t axis = -1;         // of both ReduceMeans
  bool keep_dims = true;
  float epsilon = 1e-5f;
  Dims eps_dims = {1};
  float exponent = 2.0f;
  Dims gamma_dims;  // {C} when empty
  DataType dtype = DataType::kFloat32;
};

// Values as `dtype` weights of `dims`.
Weights WeightsOf(DataType dtype, Dims dims, const std::vector<float>& values) {
  if (dtype == DataType::kFloat32) return Weights::FromFloats(dims, values);
  Weights w(DataType::kFloat16, dims);
  for (size_t i = 0; i < values.size(); ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
  return w;
}

// Every value of `dims` set to `v`.
Weights FilledWith(DataType dtype, Dims dims, float v) {
  return WeightsOf(dtype, dims, std::vector<float>(Volume(dims), v));
}

// The tensors of one decomposed LayerNormalization. The layers are named
// mean, sub, pow (or square), var, add_eps, sqrt, div, mul_gamma, add_beta,
// except the last one, which is "y".
struct Decomposed {
  NetworkDefinition net;
  TensorId x = -1, mean = -1, sub = -1, var = -1, sqrt = -1, div = -1, y = -1;
  std::vector<float> gamma, beta;
};

// x (dims) -> `form` -> "y" (not marked as an output: callers add readers
// or outputs first).
Decomposed Build(const Form& form, Dims dims, std::mt19937& rng) {
  Decomposed n;
  NetworkDefinition& net = n.net;
  const int64_t c = dims.back();
  const std::string last = form.beta ? "add_beta" : form.gamma ? "mul_gamma" : "div";
  auto name = [&](const std::string& layer) { return layer == last ? "y" : layer; };
  const ReduceParams mean{ReduceOp::kMean, {form.axis}, form.keep_dims};
  n.x = *net.AddInput("x", form.dtype, dims);
  n.mean = *AddReduce(net, name("mean"), n.x, mean);
  n.sub = *AddElementWise(net, name("sub"), n.x, n.mean, ElementWiseOp::kSub);
  TensorId sq = -1;
  if (form.pow) {
    TensorId two = *net.AddConstant("two", FilledWith(form.dtype, {1}, form.exponent));
    sq = *AddElementWise(net, "pow", n.sub, two, ElementWiseOp::kPow);
  } else {
    sq = *AddElementWise(net, "square", n.sub, n.sub, ElementWiseOp::kProd);
  }
  n.var = *AddReduce(net, "var", sq, mean);
  TensorId eps = *net.AddConstant("eps", FilledWith(form.dtype, form.eps_dims, form.epsilon));
  TensorId ve = form.eps_first ? *AddElementWise(net, "add_eps", eps, n.var, ElementWiseOp::kSum)
                               : *AddElementWise(net, "add_eps", n.var, eps, ElementWiseOp::kSum);
  n.sqrt = *AddUnary(net, "sqrt", ve, UnaryOp::kSqrt);
  n.div = *AddElementWise(net, name("div"), n.sub, n.sqrt, ElementWiseOp::kDiv);
  n.y = n.div;
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  if (form.gamma) {
    for (int64_t i = 0; i < c; ++i) n.gamma.push_back(u(rng));
    TensorId g = *net.AddConstant(
        "gamma",
        WeightsOf(form.dtype, form.gamma_dims.empty() ? Dims{c} : form.gamma_dims, n.gamma));
    n.y = form.gamma_first ? *AddElementWise(net, name("mul_gamma"), g, n.y, ElementWiseOp::kProd)
                           : *AddElementWise(net, name("mul_gamma"), n.y, g, ElementWiseOp::kProd);
  }
  if (form.beta) {
    for (int64_t i = 0; i < c; ++i) n.beta.push_back(u(rng));
    TensorId b = *net.AddConstant("beta", WeightsOf(form.dtype, {c}, n.beta));
    n.y = form.beta_first ? *AddElementWise(net, "y", b, n.y, ElementWiseOp::kSum)
                          : *AddElementWise(net, "y", n.y, b, ElementWiseOp::kSum);
  }
  return n;
}

// `form` over x of `dims`, "y" its only output.
NetworkDefinition Net(const Form& form, Dims dims = {2, 8}) {
  std::mt19937 rng(1);
  Decomposed n = Build(form, dims, rng);
  EXPECT_TRUE(n.net.MarkOutput(n.y).ok());
  return std::move(n.net);
}

std::vector<float> ConstantValues(const Graph& g, TensorId t) {
  EXPECT_TRUE(g.tensor(t).is_constant()) << g.tensor(t).desc.name;
  return g.tensor(t).is_constant() ? testutil::ToFloats(*g.tensor(t).constant)
                                   : std::vector<float>{};
}

TEST(FuseLayerNormTest, FusesTheWholePatternIntoOneLayer) {
  std::mt19937 rng(1);
  Decomposed n = Build(Form{}, {2, 8}, rng);
  ASSERT_TRUE(n.net.MarkOutput(n.y).ok());
  Graph g = n.net.graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ASSERT_EQ(Names(g), (std::vector<std::string>{"mean"}));
  const Node& ln = g.node(0);
  EXPECT_EQ(ln.op, kLayerNormalizationOp);
  auto params = LayerNormalizationParams::FromAttrs(ln.attrs);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->axis, -1);
  EXPECT_EQ(params->epsilon, 1e-5f);
  // Reads x, gamma and beta as they were; writes "y".
  ASSERT_EQ(ln.inputs.size(), 3u);
  EXPECT_EQ(ln.inputs[0], *g.FindTensor("x"));
  EXPECT_EQ(ln.inputs[1], *g.FindTensor("gamma"));
  EXPECT_EQ(ln.inputs[2], *g.FindTensor("beta"));
  EXPECT_EQ(ConstantValues(g, ln.inputs[1]), n.gamma);
  EXPECT_EQ(ConstantValues(g, ln.inputs[2]), n.beta);
  ASSERT_EQ(ln.outputs.size(), 3u);
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(ln.outputs[0], g.outputs()[0]);
  EXPECT_EQ(g.tensor(ln.outputs[0]).desc.name, "y");
  EXPECT_EQ(g.tensor(ln.outputs[0]).producer, 0);
  // The statistics: fp32, one per row, read by nothing.
  for (int i : {1, 2}) {
    EXPECT_EQ(g.tensor(ln.outputs[i]).desc.dtype, DataType::kFloat32);
    EXPECT_EQ(g.tensor(ln.outputs[i]).desc.dims, (Dims{2, 1}));
    EXPECT_EQ(g.tensor(ln.outputs[i]).producer, 0);
  }
  for (const char* gone : {"sub", "pow", "two", "var", "eps", "add_eps", "sqrt", "div"}) {
    EXPECT_FALSE(g.FindTensor(gone).has_value()) << gone;
  }
  // A second run finds nothing more to do.
  auto again = RunPass(g);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(*again);
}

TEST(FuseLayerNormTest, AcceptsEveryFormExportersWrite) {
  for (int bits = 0; bits < 64; ++bits) {
    Form form;
    form.pow = bits & 1;
    form.eps_first = bits & 2;
    form.gamma = bits & 4;
    form.gamma_first = bits & 8;
    form.beta = bits & 16;
    form.beta_first = bits & 32;
    if ((!form.gamma && form.gamma_first) || (!form.beta && form.beta_first)) continue;
    SCOPED_TRACE(testing::Message() << "form bits " << bits);
    std::mt19937 rng(bits);
    Decomposed n = Build(form, {3, 5}, rng);
    ASSERT_TRUE(n.net.MarkOutput(n.y).ok());
    Graph g = n.net.graph();
    auto changed = RunPass(g);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_TRUE(*changed);
    ASSERT_EQ(g.num_nodes(), 1);
    const Node& ln = g.node(0);
    EXPECT_EQ(ln.op, kLayerNormalizationOp);
    EXPECT_EQ(g.tensor(ln.outputs[0]).desc.name, "y");
    // Without gamma the scale is ones; without beta the bias is omitted (zero).
    EXPECT_EQ(ConstantValues(g, ln.inputs[1]), form.gamma ? n.gamma : std::vector<float>(5, 1.0f));
    ASSERT_EQ(ln.inputs.size(), form.beta ? 3u : 2u);
    if (form.beta) {
      EXPECT_EQ(ConstantValues(g, ln.inputs[2]), n.beta);
    }
  }
}

TEST(FuseLayerNormTest, TakesGammaOfLeadingOnesAndFp16) {
  Form form;
  form.gamma_dims = {1, 1, 4};
  form.dtype = DataType::kFloat16;
  form.epsilon = 1e-3f;
  Graph g = Net(form, {2, 3, 4}).graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ASSERT_EQ(g.num_nodes(), 1);
  const Node& ln = g.node(0);
  // The LayerNormalization takes its scale with the normalized dims.
  EXPECT_EQ(g.tensor(ln.inputs[1]).desc.dims, (Dims{4}));
  EXPECT_EQ(g.tensor(ln.inputs[1]).desc.dtype, DataType::kFloat16);
  EXPECT_EQ(g.tensor(ln.outputs[0]).desc.dtype, DataType::kFloat16);
  EXPECT_EQ(g.tensor(ln.outputs[1]).desc.dims, (Dims{2, 3, 1}));
  auto params = LayerNormalizationParams::FromAttrs(ln.attrs);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->epsilon, HalfToFloat(FloatToHalf(1e-3f)));
}

TEST(FuseLayerNormTest, AcceptsTheLastAxisByItsIndex) {
  Form form;
  form.axis = 2;
  Graph g = Net(form, {2, 3, 4}).graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(g.num_nodes(), 1);
}

// The pass reports no change, the layers are still `names`, and it logged
// `why` (all of those parts in one message).
void ExpectNotFused(const NetworkDefinition& net, const std::vector<std::string>& names,
                    std::initializer_list<absl::string_view> why) {
  FuseLayerNorm pass;
  testutil::ExpectNotFused(pass, net, names, why);
}

const std::vector<std::string> kAllLayers = {"mean", "sub", "pow",       "var", "add_eps",
                                             "sqrt", "div", "mul_gamma", "y"};

TEST(FuseLayerNormTest, DoesNotFuseAMeanOverAnotherAxis) {
  Form form;
  form.axis = 1;
  ExpectNotFused(Net(form, {2, 3, 4}), kAllLayers,
                 {"fuse-layer-norm: not fusing from 'mean' (Reduce)", "reduces axes [1]",
                  "the last axis alone (-1 or 2)"});
}

TEST(FuseLayerNormTest, DoesNotFuseAMeanThatDropsTheAxis) {
  Form form;
  form.keep_dims = false;
  ExpectNotFused(Net(form, {4, 4}), kAllLayers,
                 {"not fusing from 'mean'", "drops the reduced axis (keep_dims 0)"});
}

TEST(FuseLayerNormTest, DoesNotFuseAnEpsilonOfSeveralElements) {
  Form form;
  form.eps_dims = {8};
  ExpectNotFused(Net(form), kAllLayers,
                 {"not fusing from 'mean'", "the epsilon 'eps' (fp32 8, a constant)",
                  "is not a one-element constant"});
}

TEST(FuseLayerNormTest, DoesNotFuseAnEpsilonThatRaisesTheRank) {
  Form form;
  form.eps_dims = {1, 1, 1};
  ExpectNotFused(
      Net(form), kAllLayers,
      {"not fusing from 'mean'", "the epsilon 'eps' (fp32 1x1x1, a constant)", "of rank <= 2"});
}

TEST(FuseLayerNormTest, DoesNotFuseANegativeEpsilon) {
  Form form;
  form.epsilon = -1e-3f;
  ExpectNotFused(Net(form), kAllLayers,
                 {"not fusing from 'mean'", "is -0.001", "finite epsilon >= 0"});
}

TEST(FuseLayerNormTest, DoesNotFuseAnotherExponent) {
  Form form;
  form.exponent = 3.0f;
  ExpectNotFused(Net(form), kAllLayers,
                 {"not fusing from 'mean'", "tensor 'sub' has 2 readers (pow, div)",
                  "expected 2: its square (Pow(d, 2) or d * d) and a Div of it"});
}

TEST(FuseLayerNormTest, DoesNotFuseMeanMinusX) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 8});
  TensorId m = *AddReduce(net, "mean", x, {ReduceOp::kMean, {-1}, true});
  TensorId y = *AddElementWise(net, "y", m, x, ElementWiseOp::kSub);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFused(
      net, {"mean", "y"},
      {"not fusing from 'mean'", "the mean's reader 'y' (ElementWise)", "is not Sub('x', 'mean')"});
}

TEST(FuseLayerNormTest, DoesNotFuseWhenAnIntermediateIsAnOutput) {
  std::mt19937 rng(1);
  Decomposed n = Build(Form{}, {2, 8}, rng);
  ASSERT_TRUE(n.net.MarkOutput(n.y).ok());
  ASSERT_TRUE(n.net.MarkOutput(n.var).ok());
  ExpectNotFused(n.net, kAllLayers,
                 {"not fusing from 'mean' (Reduce)", "tensor 'var' is a network output"});
  Decomposed d = Build(Form{}, {2, 8}, rng);
  ASSERT_TRUE(d.net.MarkOutput(d.y).ok());
  ASSERT_TRUE(d.net.MarkOutput(d.sub).ok());
  ExpectNotFused(d.net, kAllLayers, {"not fusing from 'mean'", "tensor 'sub' is a network output"});
}

TEST(FuseLayerNormTest, DoesNotFuseWhenAnIntermediateHasASecondReader) {
  std::mt19937 rng(1);
  Decomposed n = Build(Form{}, {2, 8}, rng);
  TensorId other = *AddUnary(n.net, "other", n.mean, UnaryOp::kExp);
  ASSERT_TRUE(n.net.MarkOutput(n.y).ok());
  ASSERT_TRUE(n.net.MarkOutput(other).ok());
  std::vector<std::string> names = kAllLayers;
  names.push_back("other");
  ExpectNotFused(n.net, names,
                 {"not fusing from 'mean'", "tensor 'mean' has 2 readers (sub, other)"});
  // d has its square and the Div; a third reader is one too many.
  Decomposed d = Build(Form{}, {2, 8}, rng);
  TensorId third = *AddUnary(d.net, "third", d.sub, UnaryOp::kExp);
  ASSERT_TRUE(d.net.MarkOutput(d.y).ok());
  ASSERT_TRUE(d.net.MarkOutput(third).ok());
  names.back() = "third";
  ExpectNotFused(d.net, names,
                 {"not fusing from 'mean'", "tensor 'sub' has 3 readers (pow, div, third)"});
}

TEST(FuseLayerNormTest, LeavesAMulOrAddThatIsNoAffineOutside) {
  // gamma of x's full dims is not a per-channel scale, and beta a computed
  // tensor (a residual): the core fuses, the Mul and Add stay.
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 4});
  TensorId r = *net.AddInput("r", DataType::kFloat32, {2, 4});
  const ReduceParams mean{ReduceOp::kMean, {-1}, true};
  TensorId m = *AddReduce(net, "mean", x, mean);
  TensorId d = *AddElementWise(net, "sub", x, m, ElementWiseOp::kSub);
  TensorId sq = *AddElementWise(net, "square", d, d, ElementWiseOp::kProd);
  TensorId v = *AddReduce(net, "var", sq, mean);
  TensorId eps = *net.AddConstant("eps", Weights::FromFloats({}, {1e-6f}));
  TensorId s = *AddUnary(net, "sqrt", *AddElementWise(net, "add_eps", v, eps, ElementWiseOp::kSum),
                         UnaryOp::kSqrt);
  TensorId n = *AddElementWise(net, "div", d, s, ElementWiseOp::kDiv);
  TensorId g = *net.AddConstant("gamma", Weights::FromFloats({2, 4}, std::vector<float>(8, 2)));
  TensorId a = *AddElementWise(net, "mul_gamma", n, g, ElementWiseOp::kProd);
  TensorId y = *AddElementWise(net, "y", r, a, ElementWiseOp::kSum);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  Graph graph = net.graph();
  testutil::RecordingLogger logger;
  auto changed = RunPass(graph, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Names(graph), (std::vector<std::string>{"mean", "mul_gamma", "y"}));
  EXPECT_EQ(graph.node(0).op, kLayerNormalizationOp);
  EXPECT_EQ(graph.node(0).inputs.size(), 2u);  // ones, no bias
  EXPECT_EQ(graph.node(1).inputs[0], graph.node(0).outputs[0]);
  EXPECT_TRUE(logger.Said({"the LayerNormalization from 'mean' does not take 'mul_gamma'",
                           "'gamma' (fp32 2x4, a constant)", "of 4 elements along the last"}))
      << logger.All();
}

TEST(FuseLayerNormTest, DoesNothingWithoutATacticOnTheBuildsBackends) {
  FuseLayerNorm gated({"no_such_backend"}), on_cpu_ref({"cpu_ref"});
  testutil::ExpectFusesOnlyWithATactic(gated, on_cpu_ref, Net(Form{}), kLayerNormalizationOp);
}

// ---- Built networks: the fused one computes what the unfused one did. ----

TEST(FuseLayerNormTest, RandomFormsComputeTheSameOnCpuRef) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, 1000);
  double worst = 0.0;
  for (int round = 0; round < 12; ++round) {
    Form form;
    form.pow = pick(rng) % 2;
    form.eps_first = pick(rng) % 2;
    form.gamma = pick(rng) % 2;
    form.gamma_first = pick(rng) % 2;
    form.beta = pick(rng) % 2;
    form.beta_first = pick(rng) % 2;
    form.epsilon = std::vector<float>{1e-5f, 1e-6f, 1e-12f, 0.1f}[pick(rng) % 4];
    // Odd sizes; rows of one element normalize to zero (plus beta).
    Dims dims = {3};
    const int rank = 2 + pick(rng) % 3;
    while (static_cast<int>(dims.size()) < rank) dims.push_back(1 + pick(rng) % 7);
    dims.back() = std::vector<int64_t>{1, 2, 7, 33, 64}[pick(rng) % 5];
    SCOPED_TRACE(testing::Message()
                 << "round " << round << " dims " << DimsString(dims) << " pow " << form.pow
                 << " gamma " << form.gamma << " beta " << form.beta << " eps " << form.epsilon);
    const uint32_t weights_seed = rng();
    std::mt19937 w1(weights_seed), w2(weights_seed);
    Decomposed fused = Build(form, dims, w1);
    ASSERT_TRUE(fused.net.MarkOutput(fused.y).ok());
    // The same network with d as an output too: nothing fuses.
    Decomposed unfused = Build(form, dims, w2);
    ASSERT_TRUE(unfused.net.MarkOutput(unfused.y).ok());
    ASSERT_TRUE(unfused.net.MarkOutput(unfused.sub).ok());
    // Rows with an offset, so the centring matters.
    std::vector<float> x(Volume(dims));
    std::uniform_real_distribution<float> value(-3.0f, 3.0f);
    const float offset = value(rng);
    for (float& v : x) v = value(rng) + offset;
    BuildConfig config;
    config.max_batch = 3;
    for (int batch : {3, 1}) {
      const std::vector<float> want =
          testutil::BuildAndRunY(unfused.net, config, unfused.net.num_layers(), x, batch);
      const std::vector<float> got = testutil::BuildAndRunY(fused.net, config, 1, x, batch);
      ASSERT_EQ(got.size(), static_cast<size_t>(batch * Volume(dims) / 3));
      ASSERT_EQ(want.size(), got.size());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_FALSE(std::isnan(got[i])) << "element " << i;
        // Per element: the fused layer accumulates in double, the layers in
        // fp32; a few fp32 ulps of the row's scale.
        EXPECT_NEAR(got[i], want[i], 1e-5 * (2.0 + std::fabs(want[i]))) << "element " << i;
      }
      const double error = testutil::RelativeL2(got, want);
      worst = std::max(worst, error);
      EXPECT_LE(error, 1e-5) << "batch " << batch;
    }
  }
  std::printf("worst relative L2 error %.3g\n", worst);
}

}  // namespace
}  // namespace kiln
