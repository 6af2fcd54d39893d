// cpu_ref PointwiseChain: every step per element, with the formulas of the
// unfused layers' reference kernels.
#include "backends/cpu_ref/pointwise_chain.h"

#include <memory>
#include <utility>

#include "backends/cpu_ref/activation.h"
#include "backends/cpu_ref/common.h"
#include "backends/cpu_ref/element_wise.h"
#include "backends/cpu_ref/scale.h"
#include "backends/cpu_ref/unary.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

class ChainKernel : public Fp32Kernel {
 public:
  explicit ChainKernel(std::vector<PointwiseStep> steps) : steps_(std::move(steps)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    ApplyPointwiseChain(steps_, static_cast<const float*>(args.inputs[0]),
                        static_cast<float*>(args.outputs[0]), args.output_descs[0].volume());
    return absl::OkStatus();
  }

 private:
  std::vector<PointwiseStep> steps_;
};

class ChainTactic : public Fp32Tactic {
 public:
  ChainTactic()
      : Fp32Tactic("cpu_ref.pointwise_chain", kPointwiseChainOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return PointwiseChainParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(PointwiseChainParams params, PointwiseChainParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<ChainKernel>(std::move(params.steps)));
  }
};

}  // namespace

float ApplyPointwiseStep(const PointwiseStep& step, float x) {
  switch (step.kind) {
    case PointwiseStepKind::kActivation: return ActivateOne(step.activation, x);
    case PointwiseStepKind::kUnary: return ApplyUnary(step.unary, x);
    case PointwiseStepKind::kScale:
      return ScaleOne(x, step.scale, step.shift, step.has_power ? &step.power : nullptr);
    case PointwiseStepKind::kElementWise:
      return step.scalar_first ? FloatBinary(step.binary, step.scalar, x)
                               : FloatBinary(step.binary, x, step.scalar);
  }
  return x;
}

void ApplyPointwiseChain(const std::vector<PointwiseStep>& steps, const float* in, float* out,
                         int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float v = in[i];
    for (const PointwiseStep& step : steps) v = ApplyPointwiseStep(step, v);
    out[i] = v;
  }
}

KILN_REGISTER_TACTIC(std::make_unique<ChainTactic>());

}  // namespace cpu_ref
}  // namespace kiln
