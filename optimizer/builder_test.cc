#include "optimizer/builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/op_registry.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/fully_connected.h"
#include "ops/shuffle.h"
#include "runtime/runtime.h"

namespace kiln {
namespace {

class CapturingLogger : public Logger {
 public:
  void Log(Severity, absl::string_view message) override {
    std::lock_guard<std::mutex> lock(mu);
    messages.emplace_back(message);
  }
  std::mutex mu;
  std::vector<std::string> messages;
};

// A test-only op with four tactics: one never fits, one needs a huge
// workspace, one is slow and one fast, so selection has something to do.
constexpr char kSlowFastOp[] = "BuilderTestSlowFast";

absl::StatusOr<std::vector<TensorDesc>> SameShape(const InferenceContext& ctx) {
  return std::vector<TensorDesc>{ctx.inputs[0]};
}

class CopyKernel : public Kernel {
 public:
  explicit CopyKernel(int repeats) : repeats_(repeats) {}
  absl::Status Run(const KernelArgs& args) const override {
    for (int r = 0; r < repeats_; ++r) {
      std::memcpy(args.outputs[0], args.inputs[0], args.output_descs[0].bytes());
    }
    return absl::OkStatus();
  }

 private:
  int repeats_;
};

class TestTactic : public Tactic {
 public:
  TestTactic(std::string name, int repeats, absl::Status support, size_t workspace,
             std::string op = kSlowFastOp)
      : Tactic(TacticInfo{std::move(name), std::move(op), "cpu_ref", false}),
        repeats_(repeats), support_(support), workspace_(workspace) {}
  absl::Status Supports(const NodeContext&) const override { return support_; }
  size_t WorkspaceSize(const NodeContext&) const override { return workspace_; }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<CopyKernel>(repeats_));
  }

 private:
  int repeats_;
  absl::Status support_;
  size_t workspace_;
};

KILN_REGISTER_OP(OpSchema{kSlowFastOp, 1, 1, 1, SameShape});
KILN_REGISTER_TACTIC(std::make_unique<TestTactic>("test.slow", 200, absl::OkStatus(), 0));
KILN_REGISTER_TACTIC(std::make_unique<TestTactic>("test.fast", 1, absl::OkStatus(), 0));
KILN_REGISTER_TACTIC(std::make_unique<TestTactic>(
    "test.picky", 1, absl::UnimplementedError("needs channels % 8 == 0; got 3"), 0));
KILN_REGISTER_TACTIC(std::make_unique<TestTactic>("test.greedy", 1, absl::OkStatus(), 1u << 30));

// An op whose every tactic is rejected, and one with none at all.
constexpr char kNoFitOp[] = "BuilderTestNoFit";
constexpr char kNoTacticOp[] = "BuilderTestNoTactic";
KILN_REGISTER_OP(OpSchema{kNoFitOp, 1, 1, 1, SameShape});
KILN_REGISTER_OP(OpSchema{kNoTacticOp, 1, 1, 1, SameShape});
KILN_REGISTER_TACTIC(std::make_unique<TestTactic>(
    "test.nofit.picky", 1, absl::UnimplementedError("needs channels % 8 == 0; got 3"), 0,
    kNoFitOp));
KILN_REGISTER_TACTIC(std::make_unique<TestTactic>("test.nofit.greedy", 1, absl::OkStatus(),
                                                  1u << 30, kNoFitOp));

NetworkDefinition OneLayer(absl::string_view op) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 3, 64, 64});
  TensorId y = *net.AddLayer1("layer0", op, {x}, {});
  EXPECT_TRUE(net.MarkOutput(y).ok());
  return net;
}

TEST(BuilderTest, PicksTheFastestTacticThatFits) {
  CapturingLogger logger;
  BuildConfig config;
  config.logger = &logger;
  config.workspace_bytes = 1 << 20;
  auto plan = Builder::Build(OneLayer(kSlowFastOp), config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->nodes[0].tactic, "test.fast");
  bool logged_choice = false;
  for (const std::string& m : logger.messages) {
    logged_choice |= m.find("chose test.fast among") != std::string::npos &&
                     m.find("test.slow") != std::string::npos &&
                     m.find("test.greedy: needs 1024.0 MiB of workspace") != std::string::npos;
  }
  EXPECT_TRUE(logged_choice);
}

// Three layers with one signature: each tactic is timed once for the build,
// and the build summary says so.
TEST(BuilderTest, TimesEachTacticOncePerLayerSignature) {
  CapturingLogger logger;
  BuildConfig config;
  config.logger = &logger;
  config.workspace_bytes = 1 << 20;
  NetworkDefinition net;
  TensorId t = *net.AddInput("x", DataType::kFloat32, {1, 3, 64, 64});
  for (int i = 0; i < 3; ++i) t = *net.AddLayer1(absl::StrCat("layer", i), kSlowFastOp, {t}, {});
  ASSERT_TRUE(net.MarkOutput(t).ok());
  auto plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (const PlanNode& node : plan->nodes) EXPECT_EQ(node.tactic, "test.fast") << node.name;
  bool summary = false;
  for (const std::string& m : logger.messages) {
    if (m.find("build phases: passes") == std::string::npos) continue;
    summary = true;
    // test.slow and test.fast timed for layer0; layer1 and layer2 reuse them.
    EXPECT_NE(m.find("2 tactic timings run, 0 from the timing cache, 4 reused"),
              std::string::npos) << m;
  }
  EXPECT_TRUE(summary);
}

TEST(BuilderTest, NoFittingTacticListsEveryCandidateAndWhy) {
  BuildConfig config;
  config.workspace_bytes = 1 << 20;
  auto plan = Builder::Build(OneLayer(kNoFitOp), config);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kNotFound);
  const std::string msg(plan.status().message());
  EXPECT_NE(msg.find("layer 'layer0' (BuilderTestNoFit): no tactic on backends [cpu_ref]"),
            std::string::npos) << msg;
  EXPECT_NE(msg.find("test.nofit.picky: needs channels % 8 == 0; got 3"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("test.nofit.greedy: needs 1024.0 MiB of workspace, the budget is 1.0 MiB"),
            std::string::npos) << msg;
}

TEST(BuilderTest, OpWithoutTacticsSaysSo) {
  auto plan = Builder::Build(OneLayer(kNoTacticOp), BuildConfig{});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("none is registered for this op"), std::string::npos)
      << plan.status();
}

TEST(BuilderTest, RejectsBadConfigAndEmptyNetwork) {
  BuildConfig config;
  config.max_batch = 0;
  EXPECT_EQ(Builder::Build(OneLayer(kSlowFastOp), config).status().code(),
            absl::StatusCode::kInvalidArgument);
  config = BuildConfig{};
  config.backends = {"quantum"};
  auto s = Builder::Build(OneLayer(kSlowFastOp), config);
  EXPECT_NE(s.status().message().find("backend 'quantum'"), std::string::npos) << s.status();
  NetworkDefinition empty;
  (void)empty.AddInput("x", DataType::kFloat32, {1});
  auto e = Builder::Build(empty, BuildConfig{});
  EXPECT_NE(e.status().message().find("no outputs"), std::string::npos) << e.status();
}

// FullyConnected -> ReLU: fuse-activation makes them one layer; with the
// pass disabled the plan keeps both, and says so in its build options.
TEST(BuilderTest, DisabledPassesAreSkippedAndRecorded) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 4});
  TensorId fc =
      *AddFullyConnected(net, "fc", x, 3, Weights::FromFloats({3, 4}, std::vector<float>(12, 1.0f)),
                         Weights::FromFloats({3}, {1, 2, 3}));
  TensorId y = *AddActivation(net, "relu", fc, {ActivationType::kRelu});
  ASSERT_TRUE(net.MarkOutput(y).ok());
  auto fused = Builder::Build(net, BuildConfig{});
  ASSERT_TRUE(fused.ok()) << fused.status();
  EXPECT_EQ(fused->nodes.size(), 1u);
  EXPECT_EQ(fused->build_options.find("disabled_passes"), std::string::npos)
      << fused->build_options;

  BuildConfig config;
  config.disabled_passes = {"fuse-activation"};
  CapturingLogger logger;
  config.logger = &logger;
  auto unfused = Builder::Build(net, config);
  ASSERT_TRUE(unfused.ok()) << unfused.status();
  ASSERT_EQ(unfused->nodes.size(), 2u);
  EXPECT_EQ(unfused->nodes[0].name, "fc");
  EXPECT_EQ(unfused->nodes[1].name, "relu");
  EXPECT_NE(unfused->build_options.find("disabled_passes=fuse-activation"), std::string::npos)
      << unfused->build_options;
  EXPECT_TRUE(std::any_of(logger.messages.begin(), logger.messages.end(), [](const auto& m) {
    return m.find("pass fuse-activation: skipped") != std::string::npos;
  }));
}

TEST(BuilderTest, DisabledPassesMustNameAPassOtherThanTheSort) {
  BuildConfig config;
  config.disabled_passes = {"fuse-everything"};
  auto unknown = Builder::Build(OneLayer(kSlowFastOp), config);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("'fuse-everything', which is not a pass"),
            std::string::npos)
      << unknown.status();
  EXPECT_NE(unknown.status().message().find("fuse-skip-layer-norm"), std::string::npos)
      << unknown.status();
  config.disabled_passes = {"topological-sort"};
  auto sort = Builder::Build(OneLayer(kSlowFastOp), config);
  EXPECT_EQ(sort.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(sort.status().message().find("every build needs"), std::string::npos) << sort.status();
}

TEST(BuilderTest, MaxBatchSetsInputAndActivationShapes) {
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {1, 7});
  TensorId y = *AddActivation(net, "relu", x, {});
  ASSERT_TRUE(net.MarkOutput(y).ok());
  BuildConfig config;
  config.max_batch = 16;
  auto plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (const PlanTensor& t : plan->tensors) EXPECT_EQ(t.desc.dims, (Dims{16, 7})) << t.desc.name;
}

// A reshape between two activations is a view: its output shares its
// input's memory, and the layer does nothing (cpu_ref.shuffle.direct runs as
// a view). The input stays alive for a later reader, so nothing else may
// take those bytes meanwhile; a reshape of a network input is a copy.
TEST(BuilderTest, ReshapeBetweenActivationsSharesItsInputsMemory) {
  std::mt19937 rng(std::random_device{}());
  const uint32_t seed = rng();
  std::printf("seed %u\n", seed);
  rng.seed(seed);
  NetworkDefinition net;
  TensorId x = *net.AddInput("x", DataType::kFloat32, {2, 3, 4}, false);
  TensorId flat_x = *AddReshape(net, "flat_x", x, {2, 12});  // reads a network input
  ActivationParams relu;
  TensorId a = *AddActivation(net, "relu", x, relu);
  TensorId flat = *AddReshape(net, "flat", a, {2, 12});     // a view of `a`
  ActivationParams sigmoid{ActivationType::kSigmoid};
  TensorId b = *AddActivation(net, "sigmoid", flat, sigmoid);
  TensorId c = *AddActivation(net, "tanh", a, ActivationParams{ActivationType::kTanh});
  TensorId d = *AddActivation(net, "relu_x", flat_x, relu);
  for (TensorId t : {b, c, d}) ASSERT_TRUE(net.MarkOutput(t).ok());
  BuildConfig config;
  config.timing_iterations = 1;
  absl::StatusOr<Plan> plan = Builder::Build(net, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto tensor = [&](absl::string_view name) -> const PlanTensor& {
    for (const PlanTensor& t : plan->tensors) {
      if (t.desc.name == name) return t;
    }
    ADD_FAILURE() << "no tensor " << name;
    return plan->tensors[0];
  };
  const PlanTensor& a_t = tensor(net.graph().tensor(a).desc.name);
  const PlanTensor& flat_t = tensor(net.graph().tensor(flat).desc.name);
  const PlanTensor& flat_x_t = tensor(net.graph().tensor(flat_x).desc.name);
  EXPECT_EQ(flat_t.kind, PlanTensorKind::kActivation);
  EXPECT_EQ(flat_t.arena_offset, a_t.arena_offset) << "the reshape's output is a view";
  EXPECT_EQ(flat_x_t.kind, PlanTensorKind::kActivation);
  // Every other activation lives in bytes of its own while `a` is alive
  // (the graph is small enough that all overlap).
  for (const PlanTensor& t : plan->tensors) {
    if (t.kind != PlanTensorKind::kActivation || &t == &a_t || &t == &flat_t) continue;
    const bool disjoint = t.arena_offset + t.desc.bytes() <= a_t.arena_offset ||
                          a_t.arena_offset + a_t.desc.bytes() <= t.arena_offset;
    EXPECT_TRUE(disjoint) << t.desc.name << " overlaps the view's storage";
  }

  absl::StatusOr<std::unique_ptr<Engine>> engine = Runtime::CreateEngine(*std::move(plan));
  ASSERT_TRUE(engine.ok()) << engine.status();
  auto context = (*engine)->CreateExecutionContext();
  ASSERT_TRUE(context.ok()) << context.status();
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> in(24), out_b(24, NAN), out_c(24, NAN), out_d(24, NAN);
  for (float& v : in) v = dist(rng);
  std::vector<void*> bindings = {in.data(), out_b.data(), out_c.data(), out_d.data()};
  ASSERT_TRUE((*context)->Execute(1, bindings).ok());
  for (int i = 0; i < 24; ++i) {
    const float r = std::max(in[i], 0.0f);
    EXPECT_FLOAT_EQ(out_b[i], 1.0f / (1.0f + std::exp(-r))) << i;
    EXPECT_FLOAT_EQ(out_c[i], std::tanh(r)) << i;
    EXPECT_FLOAT_EQ(out_d[i], r) << i;
  }
}

}  // namespace
}  // namespace kiln
