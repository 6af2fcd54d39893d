// cuda Activation: kiln's own element-wise kernel (kernels/activation.cu).
#include "ops/activation.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class ActivationKernel : public Kernel {
 public:
  explicit ActivationKernel(ActivationParams params) : params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(kernels::ActivationFp32(
        static_cast<int>(params_.type), params_.alpha, params_.beta,
        args.output_descs[0].volume(), static_cast<const float*>(args.inputs[0]),
        static_cast<float*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  ActivationParams params_;
};

class ActivationTactic : public CudaTactic {
 public:
  ActivationTactic() : CudaTactic("cuda.activation.kernel.fp32", kActivationOp) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFp32Linear(node));
    return ActivationParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ActivationParams params, ActivationParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<ActivationKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ActivationTactic>());

}  // namespace cuda
}  // namespace kiln
