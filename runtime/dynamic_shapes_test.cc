// Dynamic shapes (optimization profiles) end to end on cpu_ref: one plan
// built for a range of batch sizes and sequence lengths runs every shape in
// the range, each run compared bit for bit with a plan built for exactly
// that shape; shapes outside the profile, wrong ranks and bad profiles are
// refused with a Status that names the input, the dim and the range.
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/tactic_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/element_wise.h"
#include "ops/layer_normalization.h"
#include "ops/matmul.h"
#include "ops/shuffle.h"
#include "ops/softmax.h"
#include "optimizer/builder.h"
#include "runtime/runtime.h"
#include "serialization/plan_io.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kHidden = 8;
constexpr int64_t kHeads = 2;

// A self-attention-shaped block on x[B, S, 8] (B and S vary): projections,
// heads split with a reshape that copies B and S (0) and infers nothing
// else, scores Q.K^T over S x S, softmax over the keys, LayerNorm, GELU.
// `dims` are the input dims the network is defined at.
NetworkDefinition Block(const Dims& dims, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  auto random = [&](Dims d) {
    std::vector<float> v(Volume(d));
    for (float& f : v) f = dist(rng);
    return Weights::FromFloats(d, v);
  };
  NetworkDefinition net;
  const TensorId x = *net.AddInput("x", DataType::kFloat32, dims);
  const TensorId wq = *net.AddConstant("wq", random({kHidden, kHidden}));
  const TensorId wk = *net.AddConstant("wk", random({kHidden, kHidden}));
  const TensorId q = *AddMatMul(net, "q", x, wq);
  const TensorId k = *AddMatMul(net, "k", x, wk);
  // [B, S, H, D] -> [B, H, S, D]
  auto heads = [&](const std::string& name, TensorId t) {
    const TensorId r = *AddReshape(net, name + ".split", t, {0, 0, kHeads, kHidden / kHeads});
    return *AddTranspose(net, name + ".heads", r, {0, 2, 1, 3});
  };
  const TensorId qh = heads("q", q);
  const TensorId kh = heads("k", k);
  const TensorId vh = heads("v", x);
  MatMulParams nt;
  nt.transpose_b = true;
  const TensorId scores = *AddMatMul(net, "scores", qh, kh, nt);
  const TensorId probs = *AddSoftMax(net, "probs", scores);
  const TensorId ctx = *AddMatMul(net, "ctx", probs, vh);
  const TensorId merged =
      *AddReshape(net, "merge", *AddTranspose(net, "ctx.t", ctx, {0, 2, 1, 3}), {0, 0, kHidden});
  const TensorId sum = *AddElementWise(net, "residual", merged, x, ElementWiseOp::kSum);
  LayerNormalizationParams ln;
  const TensorId norm =
      *AddLayerNormalization(net, "ln", sum, ln, random({kHidden}), random({kHidden}));
  const TensorId y = *AddActivation(net, "gelu", norm, {ActivationType::kGelu});
  EXPECT_TRUE(net.MarkOutput(y).ok());
  return net;
}

ShapeProfile Profile(Dims min, Dims opt, Dims max) {
  return ShapeProfile{{InputShapeRange{"x", std::move(min), std::move(opt), std::move(max)}}};
}

std::unique_ptr<Engine> Load(const Plan& plan) {
  absl::StatusOr<std::vector<uint8_t>> bytes = PlanWriter::Write(plan);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<std::unique_ptr<Engine>> engine = Runtime::Deserialize(*bytes);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? *std::move(engine) : nullptr;
}

std::vector<float> RandomInput(const Dims& dims, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(Volume(dims));
  for (float& f : v) f = dist(rng);
  return v;
}

// Builds with each op's reference tactic only, so that a dynamic plan and
// a fixed-shape one run the same arithmetic and agree bit for bit.
BuildConfig ReferenceConfig() {
  BuildConfig config;
  config.tactic_filter = [](const NodeContext&, const Tactic& tactic) {
    return tactic.is_reference();
  };
  return config;
}

// The block built for exactly `dims` (no profile: max batch dims[0]), run on `x`.
std::vector<float> StaticRun(const Dims& dims, const std::vector<float>& x, uint32_t seed) {
  BuildConfig config = ReferenceConfig();
  config.max_batch = static_cast<int>(dims[0]);
  absl::StatusOr<Plan> plan = Builder::Build(Block(dims, seed), config);
  EXPECT_TRUE(plan.ok()) << plan.status();
  std::unique_ptr<Engine> engine = Load(*plan);
  std::unique_ptr<ExecutionContext> ctx = *engine->CreateExecutionContext();
  std::vector<float> y(Volume(dims), NAN);
  std::vector<float> in = x;
  std::vector<void*> bindings = {in.data(), y.data()};
  EXPECT_TRUE(ctx->Execute(static_cast<int>(dims[0]), bindings).ok());
  return y;
}

TEST(DynamicShapesTest, OnePlanRunsEveryShapeOfItsProfile) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (KILN_TEST_SEED reproduces it)"));
  std::mt19937 rng(seed);
  BuildConfig config = ReferenceConfig();
  config.profiles = {Profile({1, 2, kHidden}, {2, 8, kHidden}, {4, 24, kHidden})};
  absl::StatusOr<Plan> plan = Builder::Build(Block({3, 5, kHidden}, seed), config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->profiles.size(), 1u);
  EXPECT_EQ(plan->max_batch, 4);
  // Tensors are recorded at the profile's max; the scores [B, H, S, S] too.
  const PlanTensor* scores = nullptr;
  for (const PlanTensor& t : plan->tensors) {
    if (t.desc.name == "scores") scores = &t;
  }
  ASSERT_NE(scores, nullptr);
  EXPECT_EQ(scores->desc.dims, (Dims{4, kHeads, 24, 24}));
  EXPECT_EQ(scores->min_dims, (Dims{1, kHeads, 2, 2}));
  EXPECT_EQ(scores->opt_dims, (Dims{2, kHeads, 8, 8}));
  EXPECT_EQ(scores->capacity, uint64_t{4 * kHeads * 24 * 24 * 4});

  std::unique_ptr<Engine> engine = Load(*plan);
  ASSERT_NE(engine, nullptr);
  ASSERT_EQ(engine->profiles().size(), 1u);
  std::unique_ptr<ExecutionContext> ctx = *engine->CreateExecutionContext();
  // Corners, then random shapes in any order: each run must not depend on
  // what ran before in the same arena.
  std::vector<Dims> shapes = {{1, 2, kHidden}, {2, 8, kHidden}, {4, 24, kHidden}};
  for (int i = 0; i < 4; ++i) {
    shapes.push_back({std::uniform_int_distribution<int64_t>(1, 4)(rng),
                      std::uniform_int_distribution<int64_t>(2, 24)(rng), kHidden});
  }
  shapes.push_back({1, 2, kHidden});
  for (const Dims& dims : shapes) {
    SCOPED_TRACE(DimsString(dims));
    ASSERT_TRUE(ctx->SetInputShape("x", dims).ok());
    absl::StatusOr<TensorDesc> out = ctx->binding_desc(1);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->dims, dims);
    const std::vector<float> x = RandomInput(dims, rng);
    std::vector<float> y(Volume(dims), NAN);
    std::vector<float> in = x;
    std::vector<void*> bindings = {in.data(), y.data()};
    ASSERT_TRUE(ctx->Execute(bindings).ok());
    EXPECT_EQ(y, StaticRun(dims, x, seed));
  }
}

TEST(DynamicShapesTest, ShapesOutsideTheProfileAreRefusedByName) {
  BuildConfig config;
  config.profiles = {Profile({1, 2, kHidden}, {2, 8, kHidden}, {4, 24, kHidden})};
  absl::StatusOr<Plan> plan = Builder::Build(Block({3, 5, kHidden}, 1), config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::unique_ptr<Engine> engine = Load(*plan);
  std::unique_ptr<ExecutionContext> ctx = *engine->CreateExecutionContext();

  absl::Status too_long = ctx->SetInputShape("x", {2, 25, kHidden});
  EXPECT_EQ(too_long.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(too_long.message(), HasSubstr("input 'x', dim 1 is 25, outside 2..24"));
  absl::Status fixed = ctx->SetInputShape("x", {2, 8, kHidden + 1});
  EXPECT_THAT(fixed.message(), HasSubstr("dim 2 is 9, outside 8..8"));
  EXPECT_THAT(ctx->SetInputShape("x", {2, 8}).message(), HasSubstr("has rank 2"));
  EXPECT_THAT(ctx->SetInputShape("y", {2, 8, kHidden}).message(), HasSubstr("no input named 'y'"));
  EXPECT_FALSE(ctx->SetInputShape(1, {2, 8, kHidden}).ok()) << "binding 1 is the output";
  EXPECT_EQ(ctx->SetOptimizationProfile(1).code(), absl::StatusCode::kOutOfRange);
  // The batch API keeps the other dims as set and checks the batch.
  ASSERT_TRUE(ctx->SetInputShape("x", {1, 3, kHidden}).ok());
  std::vector<float> x(4 * 3 * kHidden, 0.5f), y(4 * 3 * kHidden, NAN);
  std::vector<void*> bindings = {x.data(), y.data()};
  ASSERT_TRUE(ctx->Execute(4, bindings).ok());
  EXPECT_EQ(ctx->binding_desc(1)->dims, (Dims{4, 3, kHidden}));
  EXPECT_THAT(ctx->Execute(5, bindings).message(), HasSubstr("batch 5 is outside 1..4"));
  // A refused shape leaves the last good one in place.
  EXPECT_EQ(ctx->binding_desc(0)->dims, (Dims{4, 3, kHidden}));
}

TEST(DynamicShapesTest, BadProfilesAreRefusedAtBuild) {
  struct Case {
    std::vector<ShapeProfile> profiles;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{Profile({1, 2, kHidden}, {2, 8, kHidden}, {4, 24})}, "does not have the input's rank 3"},
      {{Profile({1, 9, kHidden}, {2, 8, kHidden}, {4, 24, kHidden})},
       "dim 1: min 9, opt 8, max 24 do not satisfy"},
      {{ShapeProfile{{InputShapeRange{"z", {1}, {1}, {1}}}}}, "'z', which is not a network input"},
      {{ShapeProfile{}}, "gives no shapes for batched input 'x'"},
      {{Profile({1, 2, kHidden}, {2, 8, kHidden}, {5000, 24, kHidden})},
       "largest batch (dim 0 of a batched input) is 5000; it must be at most 4096"},
      // The network fixes the hidden size through its weights.
      {{Profile({1, 2, 4}, {2, 8, kHidden}, {4, 24, kHidden})},
       "cannot run at the min shapes of profile 0"},
  };
  for (const Case& c : cases) {
    BuildConfig config;
    config.profiles = c.profiles;
    absl::StatusOr<Plan> plan = Builder::Build(Block({3, 5, kHidden}, 1), config);
    EXPECT_FALSE(plan.ok());
    EXPECT_THAT(plan.status().message(), HasSubstr(c.error));
  }
  BuildConfig both;
  both.max_batch = 4;
  both.profiles = {Profile({1, 2, kHidden}, {2, 8, kHidden}, {4, 24, kHidden})};
  EXPECT_THAT(Builder::Build(Block({3, 5, kHidden}, 1), both).status().message(),
              HasSubstr("leave max_batch at 1"));
}

TEST(DynamicShapesTest, SeveralProfilesPlanMemoryForTheLargest) {
  const uint32_t seed = testutil::TestSeed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  BuildConfig config = ReferenceConfig();
  // Short sequences at large batches, long ones at small batches.
  config.profiles = {Profile({8, 2, kHidden}, {16, 8, kHidden}, {32, 16, kHidden}),
                     Profile({1, 16, kHidden}, {1, 64, kHidden}, {2, 96, kHidden})};
  absl::StatusOr<Plan> plan = Builder::Build(Block({3, 5, kHidden}, seed), config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->max_batch, 32);
  for (const PlanTensor& t : plan->tensors) {
    if (t.desc.name != "scores") continue;
    EXPECT_EQ(t.desc.dims, (Dims{32, kHeads, 16, 16})) << "recorded at the first profile's max";
    // Profile 1's max scores (2 x 2 x 96 x 96) are larger than profile 0's.
    EXPECT_EQ(t.capacity, uint64_t{2 * kHeads * 96 * 96 * 4});
    EXPECT_EQ(t.max_dims, (Dims{32, kHeads, 96, 96}));
  }
  std::unique_ptr<Engine> engine = Load(*plan);
  ASSERT_NE(engine, nullptr);
  ASSERT_EQ(engine->profiles().size(), 2u);
  std::unique_ptr<ExecutionContext> ctx = *engine->CreateExecutionContext();
  EXPECT_THAT(ctx->SetInputShape("x", {2, 96, kHidden}).message(), HasSubstr("profile 0"));
  ASSERT_TRUE(ctx->SetOptimizationProfile(1).ok());
  EXPECT_EQ(ctx->binding_desc(0)->dims, (Dims{2, 96, kHidden}))
      << "a new profile starts at its max";
  for (const Dims& dims : {Dims{2, 96, kHidden}, Dims{1, 17, kHidden}}) {
    ASSERT_TRUE(ctx->SetInputShape("x", dims).ok());
    const std::vector<float> x = RandomInput(dims, rng);
    std::vector<float> y(Volume(dims), NAN), in = x;
    std::vector<void*> bindings = {in.data(), y.data()};
    ASSERT_TRUE(ctx->Execute(bindings).ok());
    EXPECT_EQ(y, StaticRun(dims, x, seed)) << DimsString(dims);
  }
}

// A copy of an op's tactic that does not declare dynamic shapes: the
// builder must not offer it a layer whose sequence length varies, and it
// still gets layers that vary with the batch alone.
TEST(DynamicShapesTest, TacticsWithoutDynamicShapesGetOnlyBatchVaryingLayers) {
  const Tactic* gelu = nullptr;
  for (const Tactic* t : TacticRegistry::Global().Candidates("cpu_ref", kActivationOp)) gelu = t;
  ASSERT_NE(gelu, nullptr);
  if (!gelu->dynamic_shapes()) GTEST_SKIP() << gelu->name() << " is not a dynamic-shape tactic";
  // Over S, only tactics declaring dynamic shapes: pinning a tactic that does
  // not fails with the reason.
  NodeContext node;
  node.name = "gelu";
  node.op = kActivationOp;
  node.inputs = {TensorDesc{"x", DataType::kFloat32, {4, 24, kHidden}}};
  node.outputs = node.inputs;
  node.input_min = {{1, 2, kHidden}};
  node.input_max = {{4, 24, kHidden}};
  node.output_min = node.input_min;
  node.output_max = node.input_max;
  EXPECT_TRUE(VariesBeyondBatch(node));
  struct Fixed : Tactic {
    Fixed() : Tactic(TacticInfo{"test.fixed", kActivationOp, "cpu_ref"}) {}
    absl::Status Supports(const NodeContext&) const override { return absl::OkStatus(); }
    absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                         absl::Span<const uint8_t>) const override {
      return absl::UnimplementedError("not run");
    }
  } fixed;
  EXPECT_THAT(CheckShapeRanges(fixed, node).message(), HasSubstr("vary beyond the batch"));
  EXPECT_TRUE(CheckShapeRanges(*gelu, node).ok());
  node.input_min = {{1, 24, kHidden}};
  node.output_min = node.input_min;
  EXPECT_FALSE(VariesBeyondBatch(node));
  EXPECT_TRUE(CheckShapeRanges(fixed, node).ok()) << "the batch alone varies";
}

// A dynamic-shape tactic that refuses short sequences: it runs the
// profile's max but not its min, so the builder must pass it over, and with
// nothing else allowed fail naming it.
class LongRowsOnly : public Tactic {
 public:
  LongRowsOnly()
      : Tactic(TacticInfo{"test.activation.long_rows_only", kActivationOp, "cpu_ref",
                          /*is_reference=*/false, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}
  absl::Status Supports(const NodeContext& node) const override {
    // Only the test's own layer: other tests here must never be offered it.
    if (node.name != "long_rows") return absl::UnimplementedError("only for layer long_rows");
    if (node.inputs[0].dims[1] < 10) return absl::UnimplementedError("rows shorter than 10");
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return absl::UnimplementedError("never run");
  }
};
KILN_REGISTER_TACTIC(std::make_unique<LongRowsOnly>());

TEST(DynamicShapesTest, AChosenTacticMustSupportEveryCornerOfEveryProfile) {
  NetworkDefinition net;
  const TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 16, kHidden});
  ASSERT_TRUE(net.MarkOutput(*AddActivation(net, "long_rows", x, {ActivationType::kRelu})).ok());
  BuildConfig config;
  config.tactic_filter = [](const NodeContext&, const Tactic& t) {
    return t.name() == "test.activation.long_rows_only";
  };
  config.profiles = {Profile({1, 2, kHidden}, {2, 16, kHidden}, {4, 24, kHidden})};
  absl::StatusOr<Plan> plan = Builder::Build(net, config);
  EXPECT_TRUE(absl::IsNotFound(plan.status())) << plan.status();
  EXPECT_THAT(plan.status().message(),
              HasSubstr("test.activation.long_rows_only: at the profiles' min shapes: rows "
                        "shorter than 10"));
  // With the reference allowed too, the build picks it over the tactic that
  // cannot take the min (before, the tactic could win at the max and the
  // build then failed on the min).
  config.tactic_filter = [](const NodeContext&, const Tactic& t) {
    return t.name() == "test.activation.long_rows_only" || t.is_reference();
  };
  plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->nodes.size(), 1u);
  EXPECT_NE(plan->nodes[0].tactic, "test.activation.long_rows_only");
}

}  // namespace
}  // namespace kiln
