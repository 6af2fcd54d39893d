// FuseGelu: the graph before and after for each form exporters write (the
// erf GELU and the tanh one), the cases it must leave alone, and that a built
// network computes the same with and without the fusion.
#include "optimizer/passes/fuse_gelu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/convolution.h"
#include "ops/element_wise.h"
#include "ops/unary.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Names;

absl::StatusOr<bool> RunPass(Graph& g, Logger* logger = nullptr) {
  FuseGelu pass;
  return pass.Run(g, logger);
}

// How one decomposed GELU is written.
struct Form {
  enum Scale { kDiv, kMulRight, kMulLeft } scale = kDiv;  // x / c, x * c, c * x
  // The order of the products: (x * 0.5) * p, (x * p) * 0.5, (p * 0.5) * x,
  // where p = 1 + erf(...).
  enum Grouping { kHalfX, kXTimesP, kPTimesHalf } grouping = kHalfX;
  bool one_first = false;         // Add(1, erf)
  bool swap_inner = false;        // the first product's operands swapped
  bool swap_outer = false;        // the last product's operands swapped
  float sqrt2 = 1.4142135f;       // the divisor (kDiv)
  float inv_sqrt2 = 0.70710677f;  // the factor (kMul*)
  float one = 1.0f;
  float half = 0.5f;
  Dims half_dims = {1};
  DataType dtype = DataType::kFloat32;
};

// How the tanh form's argument sqrt(2/pi) * (x + 0.044715 * x^3) is written
// (its "1 + tanh" and products as Form says for erf).
struct TanhFront {
  // Pow(x, 3) ("cube"); x * (x * x) or (x * x) * x ("square", then "cube").
  enum Cube { kPow, kXTimesSquare, kSquareTimesX } cube = kPow;
  bool swap_kappa = false;  // x^3 * 0.044715 rather than 0.044715 * x^3 ("kappa")
  bool k_first = false;     // Add(0.044715 x^3, x) ("inner")
  bool swap_beta = false;   // (x + ...) * sqrt(2/pi) ("scale"), then "tanh"
  float kappa = 0.044715f;
  float beta = 0.7978845608f;
};

// A one-element (or `dims`) constant of `dtype`.
Weights ConstantOf(DataType dtype, float v, Dims dims = {1}) {
  if (dtype == DataType::kFloat32) return Weights::FromFloats(dims, {v});
  Weights w(DataType::kFloat16, dims);
  w.mutable_as<uint16_t>()[0] = FloatToHalf(v);
  return w;
}

// The tensors of one decomposed GELU. Layers: "half" (x * 0.5, kHalfX only,
// added first), "scale", "erf", "add_one", "mul_x" or "mul_half" (the first
// product of kXTimesP and kPTimesHalf) and "y"; the tanh form has the layers
// of TanhFront in place of "scale" and "erf" (`erf` is then its Tanh).
struct Decomposed {
  NetworkDefinition net;
  TensorId x = -1, erf = -1, p = -1, y = -1;
};

TensorId Mul(NetworkDefinition& net, const std::string& name, TensorId a, TensorId b, bool swap) {
  return swap ? *AddElementWise(net, name, b, a, ElementWiseOp::kProd)
              : *AddElementWise(net, name, a, b, ElementWiseOp::kProd);
}

// x (dims) -> `form` (the tanh form when `tanh` is given) -> "y" (not
// marked as an output).
Decomposed Build(const Form& form, Dims dims = {2, 8}, NetworkDefinition net = {}, TensorId x = -1,
                 const TanhFront* tanh = nullptr) {
  Decomposed n;
  n.x = x >= 0 ? x : *net.AddInput("x", form.dtype, dims);
  auto constant = [&](const std::string& name, float v, Dims d = {1}) {
    return *net.AddConstant(name, ConstantOf(form.dtype, v, d));
  };
  TensorId h = -1;
  if (form.grouping == Form::kHalfX) {
    h = Mul(net, "half", n.x, constant("c_half", form.half, form.half_dims), form.swap_inner);
  }
  if (tanh != nullptr) {
    TensorId cube = -1;
    if (tanh->cube == TanhFront::kPow) {
      cube = *AddElementWise(net, "cube", n.x, constant("c_three", 3.0f), ElementWiseOp::kPow);
    } else {
      TensorId square = Mul(net, "square", n.x, n.x, false);
      cube = Mul(net, "cube", n.x, square, tanh->cube == TanhFront::kSquareTimesX);
    }
    TensorId k = Mul(net, "kappa", constant("c_kappa", tanh->kappa), cube, tanh->swap_kappa);
    TensorId inner = tanh->k_first ? *AddElementWise(net, "inner", k, n.x, ElementWiseOp::kSum)
                                   : *AddElementWise(net, "inner", n.x, k, ElementWiseOp::kSum);
    TensorId arg = Mul(net, "scale", constant("c_beta", tanh->beta), inner, tanh->swap_beta);
    n.erf = *AddActivation(net, "tanh", arg, {ActivationType::kTanh});
  } else {
    TensorId a = -1;
    if (form.scale == Form::kDiv) {
      a = *AddElementWise(net, "scale", n.x, constant("c_sqrt2", form.sqrt2), ElementWiseOp::kDiv);
    } else {
      a = Mul(net, "scale", n.x, constant("c_inv_sqrt2", form.inv_sqrt2),
              form.scale == Form::kMulLeft);
    }
    n.erf = *AddUnary(net, "erf", a, UnaryOp::kErf);
  }
  TensorId one = constant("c_one", form.one);
  n.p = form.one_first ? *AddElementWise(net, "add_one", one, n.erf, ElementWiseOp::kSum)
                       : *AddElementWise(net, "add_one", n.erf, one, ElementWiseOp::kSum);
  switch (form.grouping) {
    case Form::kHalfX:
      n.y = Mul(net, "y", h, n.p, form.swap_outer);
      break;
    case Form::kXTimesP: {
      TensorId q = Mul(net, "mul_x", n.x, n.p, form.swap_inner);
      n.y = Mul(net, "y", q, constant("c_half", form.half, form.half_dims), form.swap_outer);
      break;
    }
    case Form::kPTimesHalf: {
      TensorId q =
          Mul(net, "mul_half", n.p, constant("c_half", form.half, form.half_dims), form.swap_inner);
      n.y = Mul(net, "y", q, n.x, form.swap_outer);
      break;
    }
  }
  n.net = std::move(net);
  return n;
}

// `form` over x of `dims`, "y" its only output.
NetworkDefinition Net(const Form& form, Dims dims = {2, 8}, const TanhFront* tanh = nullptr) {
  Decomposed n = Build(form, dims, {}, -1, tanh);
  EXPECT_TRUE(n.net.MarkOutput(n.y).ok());
  return std::move(n.net);
}

// Expects `g` to be one Gelu layer (of `type`) named `name` from x to "y".
void ExpectOneGelu(const Graph& g, const std::string& name,
                   ActivationType type = ActivationType::kGelu) {
  ASSERT_EQ(Names(g), (std::vector<std::string>{name}));
  const Node& node = g.node(0);
  EXPECT_EQ(node.op, kActivationOp);
  auto params = ActivationParams::FromAttrs(node.attrs);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->type, type);
  EXPECT_EQ(node.inputs, (std::vector<TensorId>{*g.FindTensor("x")}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(node.outputs, (std::vector<TensorId>{g.outputs()[0]}));
  EXPECT_EQ(g.tensor(node.outputs[0]).desc.name, "y");
  EXPECT_EQ(g.tensor(node.outputs[0]).producer, 0);
}

// Runs the pass on `net`: it fuses, into one Gelu of `type` named `name`.
void ExpectOneGeluAfterPass(const NetworkDefinition& net, const std::string& name,
                            ActivationType type) {
  Graph g = net.graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ExpectOneGelu(g, name, type);
}

TEST(FuseGeluTest, FusesTheFormPyTorchWrites) {
  // x * 0.5 * (1 + erf(x / 1.4142135)): the Mul by 0.5 comes first, so the
  // fused layer takes its name.
  Graph g = Net(Form{}).graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ExpectOneGelu(g, "half");
  for (const char* gone : {"c_half", "scale", "c_sqrt2", "erf", "add_one", "c_one"}) {
    EXPECT_FALSE(g.FindTensor(gone).has_value()) << gone;
  }
  auto again = RunPass(g);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(*again);
}

TEST(FuseGeluTest, AcceptsEveryFormExportersWrite) {
  for (int scale = 0; scale < 3; ++scale) {
    for (int grouping = 0; grouping < 3; ++grouping) {
      for (int bits = 0; bits < 8; ++bits) {
        Form form;
        form.scale = static_cast<Form::Scale>(scale);
        form.grouping = static_cast<Form::Grouping>(grouping);
        form.one_first = bits & 1;
        form.swap_inner = bits & 2;
        form.swap_outer = bits & 4;
        SCOPED_TRACE(testing::Message()
                     << "scale " << scale << " grouping " << grouping << " bits " << bits);
        Graph g = Net(form).graph();
        auto changed = RunPass(g);
        ASSERT_TRUE(changed.ok()) << changed.status();
        EXPECT_TRUE(*changed);
        ExpectOneGelu(g, form.grouping == Form::kHalfX ? "half" : "scale");
      }
    }
  }
}

TEST(FuseGeluTest, AcceptsTheNearestFp16Constants) {
  // fp16 holds 1/sqrt(2) as 0.70703125, 1e-4 from it: the nearest it can.
  for (Form::Scale scale : {Form::kDiv, Form::kMulRight}) {
    Form form;
    form.dtype = DataType::kFloat16;
    form.scale = scale;
    Graph g = Net(form).graph();
    auto changed = RunPass(g);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_TRUE(*changed);
    ExpectOneGelu(g, "half");
  }
}

// The pass reports no change, the layers are still `names`, and it logged
// `why` (all of those parts in one message).
void ExpectNotFused(const NetworkDefinition& net, const std::vector<std::string>& names,
                    std::initializer_list<absl::string_view> why) {
  FuseGelu pass;
  testutil::ExpectNotFused(pass, net, names, why);
}

const std::vector<std::string> kHalfXLayers = {"half", "scale", "erf", "add_one", "y"};
const std::vector<std::string> kXTimesPLayers = {"scale", "erf", "add_one", "mul_x", "y"};

TEST(FuseGeluTest, DoesNotFuseAnotherDivisor) {
  Form form;
  form.sqrt2 = 1.5f;
  ExpectNotFused(Net(form), kHalfXLayers,
                 {"fuse-gelu: not fusing at 'erf' (Unary)",
                  "the divisor of 'scale' (ElementWise) is not sqrt(2)",
                  "'c_sqrt2' (fp32 1, a constant) holds 1.5"});
  // 2.5e-6 away: a different function, however close.
  form.sqrt2 = 1.41421f;
  ExpectNotFused(Net(form), kHalfXLayers, {"not fusing at 'erf'", "holds 1.41421"});
}

TEST(FuseGeluTest, DoesNotFuseAnotherFactor) {
  Form form;
  form.scale = Form::kMulRight;
  form.inv_sqrt2 = 0.7071f;
  ExpectNotFused(Net(form), kHalfXLayers,
                 {"not fusing at 'erf'", "neither operand of 'scale' (ElementWise) is 1/sqrt(2)",
                  "'c_inv_sqrt2' (fp32 1, a constant) holds 0.7071"});
}

TEST(FuseGeluTest, DoesNotFuseAnotherOneOrHalf) {
  Form two;
  two.one = 2.0f;
  ExpectNotFused(
      Net(two), kHalfXLayers,
      {"not fusing at 'erf'", "its reader 'add_one' (ElementWise) is not erf + 1", "holds 2"});
  Form quarter;
  quarter.half = 0.25f;
  ExpectNotFused(Net(quarter), kHalfXLayers,
                 {"not fusing at 'erf'", "the other factor of 'y' (ElementWise), 'half'",
                  "is neither 'x', 0.5 nor 'x' * 0.5"});
  quarter.grouping = Form::kXTimesP;
  ExpectNotFused(
      Net(quarter), kXTimesPLayers,
      {"not fusing at 'erf'", "the reader of 'mul_x' 'y' (ElementWise)", "is not a Mul by 0.5"});
}

TEST(FuseGeluTest, DoesNotFuseAConstantThatBroadcasts) {
  Form form;
  form.half_dims = {1, 1, 1};
  ExpectNotFused(Net(form), kHalfXLayers,
                 {"not fusing at 'erf'", "'y' (ElementWise) writes fp32 1x2x8 from 'x'",
                  "keeps a float input's dims"});
}

TEST(FuseGeluTest, DoesNotFuseWhenAnIntermediateIsAnOutput) {
  Decomposed n = Build(Form{});
  ASSERT_TRUE(n.net.MarkOutput(n.y).ok());
  ASSERT_TRUE(n.net.MarkOutput(n.erf).ok());
  ExpectNotFused(n.net, kHalfXLayers, {"not fusing at 'erf'", "tensor 'erf' is a network output"});
}

TEST(FuseGeluTest, DoesNotFuseWhenAnIntermediateHasASecondReader) {
  Decomposed n = Build(Form{});
  TensorId other = *AddUnary(n.net, "other", n.p, UnaryOp::kExp);
  ASSERT_TRUE(n.net.MarkOutput(n.y).ok());
  ASSERT_TRUE(n.net.MarkOutput(other).ok());
  std::vector<std::string> names = kHalfXLayers;
  names.push_back("other");
  ExpectNotFused(n.net, names,
                 {"not fusing at 'erf'", "tensor 'add_one' has 2 readers (y, other)"});
}

// The name the fused layer takes: the first layer `tanh`'s form adds.
std::string FirstLayer(const Form& form, const TanhFront& tanh) {
  if (form.grouping == Form::kHalfX) return "half";
  return tanh.cube == TanhFront::kPow ? "cube" : "square";
}

TEST(FuseGeluTest, FusesTheTanhFormPyTorchAndTransformersWrite) {
  // transformers' NewGELU: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * pow(x, 3)))).
  TanhFront hf;
  ExpectOneGeluAfterPass(Net(Form{}, {2, 8}, &hf), "half", ActivationType::kGeluTanh);
  // torch.onnx's gelu(approximate="tanh"): x * (x * x), the products as
  // 0.5 * (x * (1 + tanh)).
  TanhFront torch;
  torch.cube = TanhFront::kXTimesSquare;
  Form products;
  products.grouping = Form::kXTimesP;
  products.swap_outer = true;
  ExpectOneGeluAfterPass(Net(products, {2, 8}, &torch), "square", ActivationType::kGeluTanh);
}

TEST(FuseGeluTest, AcceptsEveryTanhFormOrder) {
  for (int cube = 0; cube < 3; ++cube) {
    for (int grouping = 0; grouping < 3; ++grouping) {
      for (int bits = 0; bits < 32; ++bits) {
        TanhFront tanh;
        tanh.cube = static_cast<TanhFront::Cube>(cube);
        tanh.swap_kappa = bits & 1;
        tanh.k_first = bits & 2;
        tanh.swap_beta = bits & 4;
        Form form;
        form.grouping = static_cast<Form::Grouping>(grouping);
        form.one_first = bits & 8;
        form.swap_inner = bits & 16;
        SCOPED_TRACE(testing::Message()
                     << "cube " << cube << " grouping " << grouping << " bits " << bits);
        ExpectOneGeluAfterPass(Net(form, {2, 8}, &tanh), FirstLayer(form, tanh),
                               ActivationType::kGeluTanh);
      }
    }
  }
}

TEST(FuseGeluTest, DoesNotFuseATanhFormWithOtherConstants) {
  const std::vector<std::string> layers = {"half",  "cube", "kappa",   "inner",
                                           "scale", "tanh", "add_one", "y"};
  TanhFront kappa;
  kappa.kappa = 0.0447f;
  ExpectNotFused(
      Net(Form{}, {2, 8}, &kappa), layers,
      {"not fusing at 'tanh' (Activation)", "'inner' (ElementWise) is not x + 0.044715 * x^3"});
  TanhFront beta;
  beta.beta = 0.8f;
  ExpectNotFused(Net(Form{}, {2, 8}, &beta), layers,
                 {"not fusing at 'tanh'", "'scale' (ElementWise) is not a Mul by sqrt(2/pi)"});
  // x^2 is not x^3.
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 8});
  auto k = [&](const std::string& name, float v) {
    return *net.AddConstant(name, Weights::FromFloats({1}, {v}));
  };
  TensorId sq = *AddElementWise(net, "cube", x, k("two", 2.0f), ElementWiseOp::kPow);
  TensorId scaled = *AddElementWise(net, "kappa", sq, k("c", 0.044715f), ElementWiseOp::kProd);
  TensorId inner = *AddElementWise(net, "inner", x, scaled, ElementWiseOp::kSum);
  TensorId arg = *AddElementWise(net, "scale", inner, k("s", 0.7978845608f), ElementWiseOp::kProd);
  TensorId t = *AddActivation(net, "tanh", arg, {ActivationType::kTanh});
  TensorId p = *AddElementWise(net, "add_one", t, k("one", 1.0f), ElementWiseOp::kSum);
  TensorId h = *AddElementWise(net, "half", x, k("half_c", 0.5f), ElementWiseOp::kProd);
  TensorId y = *AddElementWise(net, "y", h, p, ElementWiseOp::kProd);
  ASSERT_TRUE(net.MarkOutput(y).ok());
  ExpectNotFused(net, {"cube", "kappa", "inner", "scale", "tanh", "add_one", "half", "y"},
                 {"not fusing at 'tanh'", "is not x + 0.044715 * x^3"});
}

TEST(FuseGeluTest, DoesNothingWithoutATacticOnTheBuildsBackends) {
  FuseGelu gated({"no_such_backend"}), on_cpu_ref({"cpu_ref"});
  testutil::ExpectFusesOnlyWithATactic(gated, on_cpu_ref, Net(Form{}), kActivationOp);
}

// ---- Built networks: the fused one computes what the unfused one did. ----

// Builds `form` (the tanh form when `tanh` is given) over x of `dims` twice:
// as is, and with the Erf's or Tanh's output an output too, so nothing
// fuses (`unfused_layers` layers). Runs both at batch dims[0] and 1 on `x`
// and expects them to agree within `tolerance` per element (relative to 1 +
// |want|: the layers round after each step, the Gelu once) and 1e-5 in
// relative L2. Returns the worst relative L2.
double ExpectFusedMatchesUnfused(const Form& form, const Dims& dims, const TanhFront* tanh,
                                 int unfused_layers, const std::vector<float>& x,
                                 double tolerance) {
  Decomposed fused = Build(form, dims, {}, -1, tanh);
  EXPECT_TRUE(fused.net.MarkOutput(fused.y).ok());
  Decomposed unfused = Build(form, dims, {}, -1, tanh);
  EXPECT_TRUE(unfused.net.MarkOutput(unfused.y).ok());
  EXPECT_TRUE(unfused.net.MarkOutput(unfused.erf).ok());
  BuildConfig config;
  config.max_batch = static_cast<int>(dims[0]);
  double worst = 0.0;
  for (int batch : {static_cast<int>(dims[0]), 1}) {
    const std::vector<float> want =
        testutil::BuildAndRunY(unfused.net, config, unfused_layers, x, batch);
    const std::vector<float> got = testutil::BuildAndRunY(fused.net, config, 1, x, batch);
    EXPECT_EQ(got.size(), static_cast<size_t>(batch * dims[1]));
    EXPECT_EQ(want.size(), got.size());
    if (want.size() != got.size()) return 1.0;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_NEAR(got[i], want[i], tolerance * (1.0 + std::fabs(want[i])))
          << "element " << i << " x " << x[i];
    }
    const double error = testutil::RelativeL2(got, want);
    worst = std::max(worst, error);
    EXPECT_LE(error, 1e-5) << "batch " << batch;
  }
  return worst;
}

TEST(FuseGeluTest, RandomFormsComputeTheSameOnCpuRef) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, 1000);
  std::uniform_real_distribution<float> value(-6.0f, 6.0f);
  double worst = 0.0;
  for (int round = 0; round < 12; ++round) {
    Form form;
    form.scale = static_cast<Form::Scale>(pick(rng) % 3);
    form.grouping = static_cast<Form::Grouping>(pick(rng) % 3);
    form.one_first = pick(rng) % 2;
    form.swap_inner = pick(rng) % 2;
    form.swap_outer = pick(rng) % 2;
    const Dims dims = {3, 1 + pick(rng) % 40};
    SCOPED_TRACE(testing::Message() << "round " << round << " scale " << form.scale << " grouping "
                                    << form.grouping << " dims " << DimsString(dims));
    std::vector<float> x(Volume(dims));
    for (float& v : x) v = value(rng);
    worst = std::max(worst, ExpectFusedMatchesUnfused(form, dims, nullptr, 5, x, 1e-6));
  }
  std::printf("worst relative L2 error %.3g\n", worst);
}

TEST(FuseGeluTest, RandomTanhFormsComputeTheSameOnCpuRef) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, 1000);
  std::uniform_real_distribution<float> value(-6.0f, 6.0f);
  double worst = 0.0;
  for (int round = 0; round < 8; ++round) {
    TanhFront tanh;
    tanh.cube = static_cast<TanhFront::Cube>(pick(rng) % 3);
    tanh.swap_kappa = pick(rng) % 2;
    tanh.k_first = pick(rng) % 2;
    tanh.swap_beta = pick(rng) % 2;
    Form form;
    form.grouping = static_cast<Form::Grouping>(pick(rng) % 3);
    form.one_first = pick(rng) % 2;
    const Dims dims = {2, 1 + pick(rng) % 40};
    SCOPED_TRACE(testing::Message()
                 << "round " << round << " cube " << tanh.cube << " grouping " << form.grouping);
    std::vector<float> x(Volume(dims));
    for (float& v : x) v = value(rng);
    const int unfused_layers = tanh.cube == TanhFront::kPow ? 8 : 9;
    worst = std::max(worst, ExpectFusedMatchesUnfused(form, dims, &tanh, unfused_layers, x, 2e-6));
  }
  std::printf("worst relative L2 error %.3g\n", worst);
  EXPECT_LE(worst, 1e-5);
}

TEST(FuseGeluTest, ConvolutionTakesTheFusedGeluAsItsEpilogue) {
  // conv -> decomposed GELU -> "y": fuse-gelu runs before fuse-conv-epilogue,
  // so the plan is one Convolution with a fused Gelu.
  auto conv_net = [](bool keep_erf) {
    std::mt19937 weights(7);
    NetworkDefinition net;
    TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 2, 4, 4});
    TensorId c = *AddConvolution(net, "conv", x, ConvolutionParams{},
                                 testutil::RandomFloats({3, 2, 1, 1}, weights),
                                 testutil::RandomFloats({3}, weights));
    Decomposed n = Build(Form{}, {}, std::move(net), c);
    EXPECT_TRUE(n.net.MarkOutput(n.y).ok());
    if (keep_erf) {
      EXPECT_TRUE(n.net.MarkOutput(n.erf).ok());
    }
    return std::move(n.net);
  };
  const NetworkDefinition fused = conv_net(false);
  const NetworkDefinition unfused = conv_net(true);
  BuildConfig config;
  auto plan = Builder::Build(fused, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_EQ(plan->nodes[0].op, kConvolutionOp);
  auto activation = GetFusedActivationParams(plan->nodes[0].attrs);
  ASSERT_TRUE(activation.ok()) << activation.status();
  ASSERT_TRUE(activation->has_value());
  EXPECT_EQ((*activation)->type, ActivationType::kGelu);
  std::mt19937 rng(8);
  std::vector<float> x(2 * 4 * 4);
  std::uniform_real_distribution<float> value(-3.0f, 3.0f);
  for (float& v : x) v = value(rng);
  const std::vector<float> want = testutil::BuildAndRunY(unfused, config, 6, x, 1);
  const std::vector<float> got = testutil::BuildAndRunY(fused, config, 1, x, 1);
  ASSERT_EQ(got.size(), 3u * 4 * 4);
  ASSERT_EQ(want.size(), got.size());
  EXPECT_LE(testutil::RelativeL2(got, want), 1e-5);
}

}  // namespace
}  // namespace kiln
