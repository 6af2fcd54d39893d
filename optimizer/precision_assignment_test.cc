#include "optimizer/precision_assignment.h"

#include <cmath>
#include <random>
#include <vector>

#include "absl/strings/match.h"
#include "backends/tactic_registry.h"
#include "gtest/gtest.h"
#include "ops/activation.h"
#include "ops/cast.h"
#include "ops/convolution.h"
#include "ops/layer_normalization.h"
#include "ops/reformat.h"
#include "runtime/runtime.h"

namespace kiln {
namespace {

// ReLU over fp32 tensors in the NHWC layout (element-wise, so the layout
// only has to be the same on both sides): the builder can only use it by
// running the layer in NHWC.
class NhwcReluKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    for (int64_t i = 0; i < args.output_descs[0].volume(); ++i) out[i] = in[i] > 0 ? in[i] : 0;
    return absl::OkStatus();
  }
};

class NhwcReluTactic : public Tactic {
 public:
  NhwcReluTactic()
      : Tactic(TacticInfo{"test.activation.nhwc_relu", kActivationOp, "cpu_ref", false,
                          /*accepts_nhwc=*/true}) {}
  absl::Status Supports(const NodeContext& node) const override {
    if (node.inputs[0].format != TensorFormat::kNHWC ||
        node.outputs[0].format != TensorFormat::kNHWC ||
        node.inputs[0].dtype != DataType::kFloat32) {
      return absl::UnimplementedError("fp32 NHWC only");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<NhwcReluKernel>());
  }
};
KILN_REGISTER_TACTIC(std::make_unique<NhwcReluTactic>());

uint32_t Seed() {
  const uint32_t seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  return seed;
}

std::vector<float> Random(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Activations may only use the NHWC test tactic.
BuildConfig NhwcActivations() {
  BuildConfig config;
  config.timing_iterations = 1;
  config.tactic_filter = [](const NodeContext& node, const Tactic& tactic) {
    return node.op != kActivationOp || tactic.name() == "test.activation.nhwc_relu";
  };
  return config;
}

std::vector<std::string> Ops(const Plan& plan) {
  std::vector<std::string> ops;
  for (const PlanNode& n : plan.nodes) ops.push_back(n.op);
  return ops;
}

// Runs `plan` on cpu_ref with host bindings in binding order.
std::vector<float> RunPlan(Plan plan, const std::vector<float>& input, int64_t output_size,
                           int output_binding = 1) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Runtime::CreateEngine(std::move(plan));
  EXPECT_TRUE(engine.ok()) << engine.status();
  if (!engine.ok()) return {};
  auto context = (*engine)->CreateExecutionContext();
  EXPECT_TRUE(context.ok()) << context.status();
  std::vector<std::vector<float>> buffers((*engine)->num_bindings());
  std::vector<void*> bindings;
  for (int b = 0; b < (*engine)->num_bindings(); ++b) {
    buffers[b] = b == 0 ? input : std::vector<float>(output_size, NAN);
    bindings.push_back(buffers[b].data());
  }
  absl::Status s = (*context)->Execute(1, bindings);
  EXPECT_TRUE(s.ok()) << s;
  return buffers[output_binding];
}

// `network` built in fp32, and with fp16 allowed and the layers of `op`
// made to run in fp16 (only their fp16 tactics offered).
struct Fp32AndFp16Plans {
  Plan fp32, fp16;
};
absl::StatusOr<Fp32AndFp16Plans> BuildFp32AndFp16(const NetworkDefinition& network,
                                                  const std::string& op) {
  BuildConfig fp32;
  fp32.timing_iterations = 1;
  absl::StatusOr<Plan> reference = Builder::Build(network, fp32);
  if (!reference.ok()) return reference.status();
  BuildConfig fp16 = fp32;
  fp16.allow_fp16 = true;
  fp16.tactic_filter = [op](const NodeContext& node, const Tactic&) {
    return node.op != op || node.inputs[0].dtype == DataType::kFloat16;
  };
  absl::StatusOr<Plan> plan = Builder::Build(network, fp16);
  if (!plan.ok()) return plan.status();
  return Fp32AndFp16Plans{*std::move(reference), *std::move(plan)};
}

double RelL2(const std::vector<float>& got, const std::vector<float>& want) {
  double err = 0, norm = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    err += (got[i] - want[i]) * (got[i] - want[i]);
    norm += want[i] * want[i];
  }
  return std::sqrt(err / norm);
}

TEST(PrecisionAssignmentTest, NhwcLayersShareOneReformatEachWay) {
  std::mt19937 rng(Seed());
  NetworkDefinition network;
  const Dims dims = {1, 3, 4, 5};
  TensorId x = *network.AddInput("x", DataType::kFloat32, dims, /*batched=*/false);
  TensorId a = *AddActivation(network, "relu1", x, ActivationParams{});
  TensorId y = *AddActivation(network, "relu2", a, ActivationParams{});
  ASSERT_TRUE(network.MarkOutput(y).ok());

  absl::StatusOr<Plan> plan = Builder::Build(network, NhwcActivations());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Ops(*plan),
            (std::vector<std::string>{kReformatOp, kActivationOp, kActivationOp, kReformatOp}));
  EXPECT_EQ(plan->nodes[1].tactic, "test.activation.nhwc_relu");
  EXPECT_EQ(plan->tensors[plan->nodes[1].outputs[0]].desc.format, TensorFormat::kNHWC);
  // The bindings keep the declared layout.
  EXPECT_EQ(plan->tensors[plan->inputs[0]].desc.format, TensorFormat::kLinear);
  EXPECT_EQ(plan->tensors[plan->outputs[0]].desc.format, TensorFormat::kLinear);

  const std::vector<float> in = Random(Volume(dims), rng);
  const std::vector<float> out = RunPlan(*std::move(plan), in, Volume(dims));
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], std::max(in[i], 0.0f)) << i;
}

TEST(PrecisionAssignmentTest, LinearOnlyLeavesTheGraphAlone) {
  NetworkDefinition network;
  TensorId x = *network.AddInput("x", DataType::kFloat32, {1, 3, 4, 5}, false);
  TensorId y = *AddActivation(network, "relu", x, ActivationParams{});
  ASSERT_TRUE(network.MarkOutput(y).ok());
  BuildConfig config;
  config.formats = {TensorFormat::kLinear};
  absl::StatusOr<Plan> plan = Builder::Build(network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Ops(*plan), (std::vector<std::string>{kActivationOp}));
  // With NHWC allowed, the NHWC test tactic is refused without a filter
  // only if slower: the filter below rules it out, so nothing changes.
  config.formats = {TensorFormat::kLinear, TensorFormat::kNHWC};
  config.tactic_filter = [](const NodeContext&, const Tactic& t) {
    return !absl::StartsWith(t.name(), "test.");
  };
  plan = Builder::Build(network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Ops(*plan), (std::vector<std::string>{kActivationOp}));
}

TEST(PrecisionAssignmentTest, OutputAlsoReadInsideKeepsItsDeclaredLayout) {
  std::mt19937 rng(Seed());
  NetworkDefinition network;
  const Dims dims = {1, 2, 3, 3};
  TensorId x = *network.AddInput("x", DataType::kFloat32, dims, false);
  TensorId a = *AddActivation(network, "relu1", x, ActivationParams{});
  ActivationParams clip;
  clip.type = ActivationType::kClip;
  clip.alpha = -0.25f;
  clip.beta = 0.25f;
  // The clip runs on cpu_ref (linear): it reads relu1's output, which is
  // also a network output.
  TensorId y = *AddActivation(network, "clip", a, clip);
  ASSERT_TRUE(network.MarkOutput(a).ok());
  ASSERT_TRUE(network.MarkOutput(y).ok());
  BuildConfig config = NhwcActivations();
  config.tactic_filter = [](const NodeContext& node, const Tactic& tactic) {
    return node.name != "relu1" || tactic.name() == "test.activation.nhwc_relu";
  };
  absl::StatusOr<Plan> plan = Builder::Build(network, config);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(Ops(*plan),
            (std::vector<std::string>{kReformatOp, kActivationOp, kReformatOp, kActivationOp}));
  const std::vector<float> in = Random(Volume(dims), rng);
  const std::vector<float> relu = RunPlan(*plan, in, Volume(dims), 1);
  const std::vector<float> clipped = RunPlan(*plan, in, Volume(dims), 2);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(relu[i], std::max(in[i], 0.0f)) << i;
    EXPECT_EQ(clipped[i], std::min(std::max(in[i], 0.0f), 0.25f)) << i;
  }
}

TEST(PrecisionAssignmentTest, LayerWithFixedTypesReadsItsInputAsDeclared) {
  NetworkDefinition network;
  TensorId x = *network.AddInput("x", DataType::kFloat32, {1, 2, 2, 2}, false);
  TensorId a = *AddActivation(network, "relu", x, ActivationParams{});
  TensorId y = *AddCast(network, "to_half", a, DataType::kFloat16);  // fp32 -> fp16: fixed
  ASSERT_TRUE(network.MarkOutput(y).ok());
  absl::StatusOr<Plan> plan = Builder::Build(network, NhwcActivations());
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(Ops(*plan),
            (std::vector<std::string>{kReformatOp, kActivationOp, kReformatOp, kCastOp}));
  const PlanNode& cast = plan->nodes[3];
  EXPECT_EQ(plan->tensors[cast.inputs[0]].desc.format, TensorFormat::kLinear);
  EXPECT_EQ(plan->tensors[cast.inputs[0]].desc.dtype, DataType::kFloat32);
}

TEST(PrecisionAssignmentTest, Fp16ConvolutionGetsFp16Weights) {
  std::mt19937 rng(Seed());
  NetworkDefinition network;
  const Dims dims = {1, 3, 6, 5};
  TensorId x = *network.AddInput("x", DataType::kFloat32, dims, false);
  ConvolutionParams p;
  p.pads = {1, 1, 1, 1};
  TensorId y = *AddConvolution(network, "conv", x, p,
                               Weights::FromFloats({4, 3, 3, 3}, Random(4 * 27, rng)),
                               Weights::FromFloats({4}, Random(4, rng)));
  ASSERT_TRUE(network.MarkOutput(y).ok());

  absl::StatusOr<Fp32AndFp16Plans> plans = BuildFp32AndFp16(network, kConvolutionOp);
  ASSERT_TRUE(plans.ok()) << plans.status();
  Plan* plan = &plans->fp16;
  ASSERT_EQ(Ops(*plan),
            (std::vector<std::string>{kReformatOp, kConvolutionOp, kReformatOp}));
  const PlanNode& conv = plan->nodes[1];
  for (int i = 0; i < 3; ++i) {
    const PlanTensor& t = plan->tensors[conv.inputs[i]];
    EXPECT_EQ(t.desc.dtype, DataType::kFloat16) << "input " << i;
    if (t.kind == PlanTensorKind::kConstant) {
      EXPECT_EQ(plan->weights[t.weight].dtype(), DataType::kFloat16) << "input " << i;
    }
  }
  EXPECT_EQ(plan->weights.size(), 2u) << "the fp32 weights are dropped from the plan";

  const std::vector<float> in = Random(Volume(dims), rng);
  const int64_t out_size = 4 * 6 * 5;
  const std::vector<float> want = RunPlan(std::move(plans->fp32), in, out_size);
  const std::vector<float> got = RunPlan(std::move(plans->fp16), in, out_size);
  const double rel_l2 = RelL2(got, want);
  std::printf("fp16 convolution rel-L2 vs fp32: %.3g\n", rel_l2);
  EXPECT_LT(rel_l2, 5e-3);
  EXPECT_GT(rel_l2, 0.0) << "fp16 rounding should show";
}

// LayerNormalization's Mean and InvStdDev are fp32 whatever X is; the layer
// must still be able to run in fp16 (a transformer's residual stream kept
// fp32, with two reformats per LayerNorm, when it could not).
TEST(PrecisionAssignmentTest, Fp16LayerNormKeepsFp32Statistics) {
  std::mt19937 rng(Seed());
  NetworkDefinition network;
  const Dims dims = {2, 5, 16};
  TensorId x = *network.AddInput("x", DataType::kFloat32, dims, false);
  LayerNormalizationParams p;
  TensorId y = *AddLayerNormalization(network, "ln", x, p, Weights::FromFloats({16}, Random(16, rng)),
                                      Weights::FromFloats({16}, Random(16, rng)));
  ASSERT_TRUE(network.MarkOutput(y).ok());

  absl::StatusOr<Fp32AndFp16Plans> plans = BuildFp32AndFp16(network, kLayerNormalizationOp);
  ASSERT_TRUE(plans.ok()) << plans.status();
  Plan* plan = &plans->fp16;
  ASSERT_EQ(Ops(*plan),
            (std::vector<std::string>{kReformatOp, kLayerNormalizationOp, kReformatOp}));
  const PlanNode& ln = plan->nodes[1];
  EXPECT_EQ(plan->tensors[ln.outputs[0]].desc.dtype, DataType::kFloat16);
  for (size_t i = 1; i < ln.outputs.size(); ++i) {
    EXPECT_EQ(plan->tensors[ln.outputs[i]].desc.dtype, DataType::kFloat32) << "output " << i;
  }

  const std::vector<float> in = Random(Volume(dims), rng);
  const std::vector<float> want = RunPlan(std::move(plans->fp32), in, Volume(dims));
  const std::vector<float> got = RunPlan(std::move(plans->fp16), in, Volume(dims));
  const double rel_l2 = RelL2(got, want);
  std::printf("fp16 LayerNormalization rel-L2 vs fp32: %.3g\n", rel_l2);
  EXPECT_LT(rel_l2, 5e-3);
}

TEST(PrecisionAssignmentTest, NearTiesGoToFp16OnlyWhenAllowed) {
  // fp16 5% slower than fp32: still preferred when fp16 is allowed.
  EXPECT_LT(RankingCost(1.05, DataType::kFloat16, true), RankingCost(1.0, DataType::kFloat32, true));
  // 20% slower: fp32 wins.
  EXPECT_GT(RankingCost(1.2, DataType::kFloat16, true), RankingCost(1.0, DataType::kFloat32, true));
  // Without fp16 the measured time alone ranks.
  EXPECT_EQ(RankingCost(1.0, DataType::kFloat32, false), 1.0);
  EXPECT_LT(RankingCost(0.9, DataType::kFloat32, true), RankingCost(1.0, DataType::kFloat16, true));
}

TEST(PrecisionAssignmentTest, NoConfigurationFitsNamesTheLayer) {
  NetworkDefinition network;
  TensorId x = *network.AddInput("x", DataType::kFloat32, {1, 3, 4, 5}, false);
  TensorId y = *AddActivation(network, "relu", x, ActivationParams{});
  ASSERT_TRUE(network.MarkOutput(y).ok());
  BuildConfig config;
  config.tactic_filter = [](const NodeContext& node, const Tactic&) {
    return node.op != kActivationOp;
  };
  absl::StatusOr<Plan> plan = Builder::Build(network, config);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("layer 'relu'"), std::string::npos) << plan.status();
}

}  // namespace
}  // namespace kiln
