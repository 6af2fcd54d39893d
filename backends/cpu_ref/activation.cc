// cpu_ref Activation: one plain loop per type.
#include "backends/cpu_ref/activation.h"

#include <algorithm>
#include <cmath>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/activation.h"

namespace kiln {
namespace cpu_ref {
namespace {

class ActivationKernel : public Fp32Kernel {
 public:
  explicit ActivationKernel(ActivationParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    Activate(params_, static_cast<const float*>(args.inputs[0]),
             static_cast<float*>(args.outputs[0]), args.output_descs[0].volume());
    return absl::OkStatus();
  }

 private:
  ActivationParams params_;
};

class ActivationTactic : public Fp32Tactic {
 public:
  ActivationTactic()
      : Fp32Tactic("cpu_ref.activation", kActivationOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ActivationParams params, ActivationParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<ActivationKernel>(params));
  }
};

}  // namespace

float ActivateOne(const ActivationParams& p, float x) {
  switch (p.type) {
    case ActivationType::kRelu: return x > 0.0f ? x : 0.0f;
    case ActivationType::kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    case ActivationType::kTanh: return std::tanh(x);
    case ActivationType::kLeakyRelu: return x < 0.0f ? p.alpha * x : x;
    case ActivationType::kElu: return x < 0.0f ? p.alpha * std::expm1(x) : x;
    case ActivationType::kSelu: return p.beta * (x < 0.0f ? p.alpha * std::expm1(x) : x);
    case ActivationType::kClip: return std::min(std::max(x, p.alpha), p.beta);
    case ActivationType::kSoftplus: return x > 20.0f ? x : std::log1p(std::exp(x));
    case ActivationType::kSoftsign: return x / (1.0f + std::fabs(x));
    case ActivationType::kHardSigmoid: return std::max(0.0f, std::min(1.0f, p.alpha * x + p.beta));
    case ActivationType::kScaledTanh: return p.alpha * std::tanh(p.beta * x);
    case ActivationType::kThresholdedRelu: return x > p.alpha ? x : 0.0f;
    case ActivationType::kGelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case ActivationType::kHardSwish:
      return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f));
    case ActivationType::kGeluTanh: {
      constexpr float kSqrt2OverPi = 0.79788456080286536f;
      return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
    }
  }
  return x;
}

void Activate(const ActivationParams& params, const float* in, float* out, int64_t n) {
  // ReLU is most of the activations in real networks: give it a loop the
  // compiler vectorizes instead of a switch per element.
  if (params.type == ActivationType::kRelu) {
    for (int64_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
    return;
  }
  for (int64_t i = 0; i < n; ++i) out[i] = ActivateOne(params, in[i]);
}

KILN_REGISTER_TACTIC(std::make_unique<ActivationTactic>());

}  // namespace cpu_ref
}  // namespace kiln
