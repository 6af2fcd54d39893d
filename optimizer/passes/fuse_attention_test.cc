// FuseAttention: the graph before and after for each form exporters write,
// the cases it must leave alone, and that a built network computes the same
// with and without the fusion.
#include "optimizer/passes/fuse_attention.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "graph/network_definition.h"
#include "gtest/gtest.h"
#include "ops/attention.h"
#include "ops/element_wise.h"
#include "ops/matmul.h"
#include "ops/shuffle.h"
#include "ops/softmax.h"
#include "ops/unary.h"
#include "optimizer/builder.h"
#include "optimizer/passes/pass_testing.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::Names;
using testutil::RecordingLogger;

constexpr int64_t kB = 2, kH = 3, kSq = 4, kSk = 5, kD = 8, kDv = 6;

absl::StatusOr<bool> RunPass(Graph& g, Logger* logger = nullptr) {
  FuseAttention pass;
  return pass.Run(g, logger);
}

enum class Scale { kNone, kDiv, kMul, kMulFirst, kMulByInput };
enum class Mask { kNone, kConstant, kConstantFirst, kInput };

// How one decomposed attention is written.
struct Form {
  Scale scale = Scale::kDiv;
  Mask mask = Mask::kConstant;
  bool bert = false;          // KT = Transpose(k [B, Sk, H, D], [0, 2, 3, 1]); else
                              // Transpose(k [B, H, Sk, D], [0, 1, 3, 2])
  int64_t softmax_axis = -1;
  bool rank3 = false;         // [B * H, S, D] tensors, Transpose [0, 2, 1]
};

// q, k, v (and the mask when an input) -> `form` -> "y" (marked an output).
// The layers are transpose, scores, scale, add_mask, softmax, y.
NetworkDefinition Build(const Form& form) {
  NetworkDefinition net;
  const DataType f32 = DataType::kFloat32;
  const Dims q_dims = form.rank3 ? Dims{kB * kH, kSq, kD} : Dims{kB, kH, kSq, kD};
  const Dims k_dims = form.rank3  ? Dims{kB * kH, kSk, kD}
                      : form.bert ? Dims{kB, kSk, kH, kD}
                                  : Dims{kB, kH, kSk, kD};
  const Dims v_dims = form.rank3 ? Dims{kB * kH, kSk, kDv} : Dims{kB, kH, kSk, kDv};
  const std::vector<int64_t> perm = form.rank3  ? std::vector<int64_t>{0, 2, 1}
                                    : form.bert ? std::vector<int64_t>{0, 2, 3, 1}
                                                : std::vector<int64_t>{0, 1, 3, 2};
  TensorId q = *net.AddInput("q", f32, q_dims);
  TensorId k = *net.AddInput("k", f32, k_dims);
  TensorId v = *net.AddInput("v", f32, v_dims);
  TensorId kt = *AddTranspose(net, "transpose", k, perm);
  TensorId s = *AddMatMul(net, "scores", q, kt);
  std::mt19937 rng(7);
  switch (form.scale) {
    case Scale::kNone: break;
    case Scale::kDiv:
      s = *AddElementWise(net, "scale", s, *net.AddConstant("c", Weights::FromFloats({1}, {4})),
                          ElementWiseOp::kDiv);
      break;
    case Scale::kMul:
      s = *AddElementWise(net, "scale", s,
                          *net.AddConstant("c", Weights::FromFloats({1, 1}, {0.25f})),
                          ElementWiseOp::kProd);
      break;
    case Scale::kMulFirst:
      s = *AddElementWise(net, "scale", *net.AddConstant("c", Weights::FromFloats({}, {0.25f})),
                          s, ElementWiseOp::kProd);
      break;
    case Scale::kMulByInput:
      s = *AddElementWise(net, "scale", s, *net.AddInput("c", f32, {1}), ElementWiseOp::kProd);
      break;
  }
  const Dims mask_dims = form.rank3 ? Dims{1, kSq, kSk} : Dims{1, 1, kSq, kSk};
  switch (form.mask) {
    case Mask::kNone: break;
    case Mask::kConstant:
    case Mask::kConstantFirst: {
      TensorId m = *net.AddConstant("mask", testutil::RandomFloats(mask_dims, rng));
      s = form.mask == Mask::kConstant ? *AddElementWise(net, "add_mask", s, m, ElementWiseOp::kSum)
                                       : *AddElementWise(net, "add_mask", m, s, ElementWiseOp::kSum);
      break;
    }
    case Mask::kInput: {
      TensorId m = *net.AddInput("mask", f32, form.rank3 ? Dims{kB * kH, 1, kSk} : Dims{kB, 1, 1, kSk});
      s = *AddElementWise(net, "add_mask", s, m, ElementWiseOp::kSum);
      break;
    }
  }
  SoftMaxParams softmax;
  softmax.axis = form.softmax_axis;
  TensorId p = *AddSoftMax(net, "softmax", s, softmax);
  TensorId y = *AddMatMul(net, "y", p, v);
  EXPECT_TRUE(net.MarkOutput(y).ok());
  return net;
}

AttentionParams ParamsOf(const Node& node) {
  auto params = AttentionParams::FromAttrs(node.attrs);
  EXPECT_TRUE(params.ok()) << params.status();
  return params.ok() ? *params : AttentionParams{};
}

TEST(FuseAttentionTest, FusesTheWholePatternIntoOneLayer) {
  Graph g = Build(Form{}).graph();
  auto changed = RunPass(g);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  // KT = Transpose(k, [0, 1, 3, 2]): K is k itself, the Transpose goes.
  ASSERT_EQ(Names(g), (std::vector<std::string>{"scores"}));
  const Node& attn = g.node(0);
  EXPECT_EQ(attn.op, kAttentionOp);
  EXPECT_EQ(ParamsOf(attn).scale, 0.25f);
  EXPECT_FALSE(ParamsOf(attn).causal);
  EXPECT_EQ(attn.inputs, (std::vector<TensorId>{*g.FindTensor("q"), *g.FindTensor("k"),
                                                *g.FindTensor("v"), *g.FindTensor("mask")}));
  ASSERT_EQ(attn.outputs.size(), 1u);
  EXPECT_EQ(attn.outputs[0], g.outputs()[0]);
  EXPECT_EQ(g.tensor(attn.outputs[0]).desc.name, "y");
  EXPECT_EQ(g.tensor(attn.outputs[0]).producer, 0);
  for (const char* gone : {"transpose", "c", "scale", "add_mask", "softmax"}) {
    EXPECT_FALSE(g.FindTensor(gone).has_value()) << gone;
  }
  auto again = RunPass(g);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(*again);
}

TEST(FuseAttentionTest, AcceptsEveryFormExportersWrite) {
  for (Scale scale : {Scale::kNone, Scale::kDiv, Scale::kMul, Scale::kMulFirst}) {
    for (Mask mask : {Mask::kNone, Mask::kConstant, Mask::kConstantFirst, Mask::kInput}) {
      for (bool bert : {false, true}) {
        for (int64_t axis : {-1, 3}) {
          SCOPED_TRACE(testing::Message() << "scale " << static_cast<int>(scale) << " mask "
                                          << static_cast<int>(mask) << " bert " << bert
                                          << " axis " << axis);
          Graph g = Build(Form{scale, mask, bert, axis}).graph();
          auto changed = RunPass(g);
          ASSERT_TRUE(changed.ok()) << changed.status();
          EXPECT_TRUE(*changed);
          ASSERT_EQ(g.num_nodes(), bert ? 2 : 1);
          const Node& attn = g.node(g.num_nodes() - 1);
          EXPECT_EQ(attn.op, kAttentionOp);
          EXPECT_EQ(attn.name, "scores");
          EXPECT_EQ(ParamsOf(attn).scale, scale == Scale::kNone ? 1.0f : 0.25f);
          ASSERT_EQ(attn.inputs.size(), mask == Mask::kNone ? 3u : 4u);
          if (mask != Mask::kNone) {
            EXPECT_EQ(attn.inputs[3], *g.FindTensor("mask"));
          }
          EXPECT_EQ(g.tensor(attn.outputs[0]).desc.name, "y");
          EXPECT_EQ(g.tensor(attn.outputs[0]).desc.dims, (Dims{kB, kH, kSq, kDv}));
          if (!bert) {
            EXPECT_EQ(attn.inputs[1], *g.FindTensor("k"));
            continue;
          }
          // k [B, Sk, H, D] under [0, 2, 3, 1] then the last two swapped:
          // one Transpose [0, 2, 1, 3] to [B, H, Sk, D].
          const Node& transpose = g.node(0);
          EXPECT_EQ(transpose.name, "transpose");
          EXPECT_EQ(transpose.op, kShuffleOp);
          auto perm = ShuffleParams::FromAttrs(transpose.attrs);
          ASSERT_TRUE(perm.ok()) << perm.status();
          EXPECT_EQ(perm->first_transpose, (std::vector<int64_t>{0, 2, 1, 3}));
          EXPECT_FALSE(perm->has_reshape);
          EXPECT_EQ(transpose.inputs[0], *g.FindTensor("k"));
          ASSERT_EQ(transpose.outputs.size(), 1u);
          EXPECT_EQ(attn.inputs[1], transpose.outputs[0]);
          const Tensor& k = g.tensor(transpose.outputs[0]);
          EXPECT_EQ(k.desc.name, "scores.k");
          EXPECT_EQ(k.desc.dims, (Dims{kB, kH, kSk, kD}));
          EXPECT_EQ(k.producer, 0);
        }
      }
    }
  }
}

// Runs the pass on `net` and expects it to change nothing and to say why
// (every one of `why` in one message).
void ExpectNotFused(const NetworkDefinition& net, std::initializer_list<absl::string_view> why) {
  FuseAttention pass;
  testutil::ExpectNotFused(pass, net, Names(net.graph()), why);
}

TEST(FuseAttentionTest, DoesNotFuseSoftMaxOnAnotherAxis) {
  Form form;
  form.softmax_axis = 2;
  ExpectNotFused(Build(form),
                 {"not fusing from 'scores' (MatMul)", "'softmax' (SoftMax)",
                  "is not a SoftMax over the last axis (-1 or 3)"});
}

TEST(FuseAttentionTest, DoesNotFuseScoresWithAnotherReader) {
  NetworkDefinition net = Build(Form{});
  const TensorId s = *net.graph().FindTensor("scores");
  ASSERT_TRUE(net.MarkOutput(*AddUnary(net, "other", s, UnaryOp::kAbs)).ok());
  ExpectNotFused(net, {"not fusing from 'scores'", "tensor 'scores' has 2 readers"});
}

TEST(FuseAttentionTest, DoesNotFuseTransposeWithAnotherReader) {
  NetworkDefinition net = Build(Form{});
  const TensorId kt = *net.graph().FindTensor("transpose");
  ASSERT_TRUE(net.MarkOutput(*AddUnary(net, "other", kt, UnaryOp::kAbs)).ok());
  ExpectNotFused(net, {"not fusing from 'scores'", "tensor 'transpose' has 2 readers"});
}

TEST(FuseAttentionTest, DoesNotFuseRank3) {
  Form form;
  form.rank3 = true;
  ExpectNotFused(Build(form), {"not fusing from 'scores'", "has rank 3", "takes rank 4"});
}

TEST(FuseAttentionTest, DoesNotFuseNonConstantScale) {
  Form form;
  form.scale = Scale::kMulByInput;
  ExpectNotFused(Build(form), {"'scale' (ElementWise) is not S * c, c * S or S / c",
                               "'c' (fp32 1, not a constant)"});
}

TEST(FuseAttentionTest, DoesNotFuseNonPositiveScale) {
  NetworkDefinition net = Build(Form{});
  Graph g = net.graph();
  // Rewrite c to -4: the scale would be -0.25.
  const TensorId c = *g.FindTensor("c");
  g.tensor(c).constant = std::make_shared<const Weights>(Weights::FromFloats({1}, {-4.0f}));
  RecordingLogger logger;
  auto changed = RunPass(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_TRUE(logger.Said({"scales the scores by -0.25", "finite scale > 0"})) << logger.All();
}

TEST(FuseAttentionTest, DoesNotFuseAnIntermediateThatIsANetworkOutput) {
  for (const char* name : {"transpose", "scores", "scale", "add_mask", "softmax"}) {
    SCOPED_TRACE(name);
    NetworkDefinition net = Build(Form{});
    ASSERT_TRUE(net.MarkOutput(*net.graph().FindTensor(name)).ok());
    ExpectNotFused(net, {"not fusing from 'scores'",
                         std::string("tensor '") + name + "' is a network output"});
  }
}

TEST(FuseAttentionTest, DoesNothingWithoutAnAttentionTacticForTheBuildsBackends) {
  Graph g = Build(Form{}).graph();
  FuseAttention pass(std::vector<std::string>{"no_such_backend"});
  RecordingLogger logger;
  auto changed = pass.Run(g, &logger);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(g.num_nodes(), 6);
  EXPECT_TRUE(logger.Said({"no Attention tactic is linked for backends [no_such_backend]"}))
      << logger.All();
}

// ---- Numerical equality with the unfused network ----

struct Bert {
  NetworkDefinition net;
  TensorId p = -1;  // the SoftMax's output
};

// BERT's self-attention as exported: x [B, S, E] -> three projections, each
// reshaped to [B, S, H, D]; Q and V transposed [0, 2, 1, 3], K [0, 2, 3, 1];
// scores / sqrt(D) (or * 1/sqrt(D)), + mask (a constant [1, 1, S, S], one
// computed from x [B, 1, S, S], or none), SoftMax, P V -> "y".
Bert BuildBert(int64_t s, int64_t h, int64_t d, bool mul, int mask, uint32_t seed) {
  std::mt19937 rng(seed);
  Bert b;
  NetworkDefinition& net = b.net;
  const int64_t e = h * d;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {3, s, e});
  auto head = [&](const std::string& name, std::vector<int64_t> perm) {
    TensorId w = *net.AddConstant(name + ".w", testutil::RandomFloats({e, e}, rng));
    TensorId t = *AddMatMul(net, name + ".proj", x, w);
    t = *AddReshape(net, name + ".reshape", t, {0, s, h, d});
    return *AddTranspose(net, name, t, std::move(perm));
  };
  TensorId q = head("q", {0, 2, 1, 3});
  TensorId kt = head("kt", {0, 2, 3, 1});
  TensorId v = head("v", {0, 2, 1, 3});
  TensorId scores = *AddMatMul(net, "scores", q, kt);
  const float sqrt_d = std::sqrt(static_cast<float>(d));
  scores = mul ? *AddElementWise(net, "scale", scores,
                                 *net.AddConstant("c", Weights::FromFloats({1}, {1 / sqrt_d})),
                                 ElementWiseOp::kProd)
               : *AddElementWise(net, "scale", scores,
                                 *net.AddConstant("c", Weights::FromFloats({1}, {sqrt_d})),
                                 ElementWiseOp::kDiv);
  if (mask == 1) {
    Weights m = testutil::RandomFloats({1, 1, s, s}, rng, -2.0f, 0.0f);
    for (int64_t i = 0; i < s; ++i) m.mutable_as<float>()[i * s + s - 1] = -10000.0f;
    scores = *AddElementWise(net, "add_mask", *net.AddConstant("mask", std::move(m)), scores,
                             ElementWiseOp::kSum);
  } else if (mask == 2) {
    TensorId w = *net.AddConstant("mask.w", testutil::RandomFloats({e, s}, rng));
    TensorId m = *AddMatMul(net, "mask.proj", x, w);
    m = *AddReshape(net, "mask", m, {0, 1, s, s});
    scores = *AddElementWise(net, "add_mask", scores, m, ElementWiseOp::kSum);
  }
  b.p = *AddSoftMax(net, "softmax", scores);
  EXPECT_TRUE(net.MarkOutput(*AddMatMul(net, "y", b.p, v)).ok());
  return b;
}

TEST(FuseAttentionTest, BuiltNetworkComputesTheSameAsTheUnfusedOne) {
  const uint32_t seed = testutil::TestSeed();
  std::mt19937 rng(seed);
  for (int round = 0; round < 6; ++round) {
    const int64_t s = std::vector<int64_t>{1, 5, 7, 16}[rng() % 4];
    const int64_t h = 1 + rng() % 3, d = std::vector<int64_t>{1, 4, 8}[rng() % 3];
    const bool mul = rng() % 2;
    const int mask = round % 3;
    SCOPED_TRACE(testing::Message() << "seed " << seed << " round " << round << " S " << s
                                    << " H " << h << " D " << d << " mul " << mul << " mask "
                                    << mask);
    const uint32_t weights_seed = rng();
    Bert fused = BuildBert(s, h, d, mul, mask, weights_seed);
    // The same network with P as an output too: nothing fuses.
    Bert unfused = BuildBert(s, h, d, mul, mask, weights_seed);
    ASSERT_TRUE(unfused.net.MarkOutput(unfused.p).ok());
    std::vector<float> x(3 * s * h * d);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    for (float& v : x) v = value(rng);
    BuildConfig config;
    config.max_batch = 3;
    // 9 layers of projections, the Attention, and the mask's 2 when computed.
    const int fused_layers = 10 + (mask == 2 ? 2 : 0);
    for (int batch : {3, 1}) {
      const std::vector<float> want =
          testutil::BuildAndRunY(unfused.net, config, unfused.net.num_layers(), x, batch);
      const std::vector<float> got =
          testutil::BuildAndRunY(fused.net, config, fused_layers, x, batch);
      ASSERT_EQ(got.size(), want.size());
      ASSERT_EQ(got.size(), static_cast<size_t>(batch * h * s * d));
      for (size_t i = 0; i < got.size(); ++i) ASSERT_FALSE(std::isnan(got[i])) << i;
      const double err = testutil::RelativeL2(got, want);
      std::printf("seed %u round %d batch %d: rel L2 %.3g\n", seed, round, batch, err);
      EXPECT_LE(err, 1e-5);
    }
  }
}

}  // namespace
}  // namespace kiln
