// cuda Activation: kiln's own element-wise kernel (kernels/activation.cu),
// one tactic per precision (fp16 computed in fp32, rounded once at the
// output). The kernel never looks at coordinates, so it runs on any format
// the input and the output share (NCHW or NHWC).
#include "ops/activation.h"

#include <cuda_fp16.h>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/activation_device.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// The device kernels take the type as kiln::ActivationType's int value.
static_assert(static_cast<int>(ActivationType::kRelu) == kernels::kRelu &&
                  static_cast<int>(ActivationType::kGelu) == kernels::kGelu &&
                  static_cast<int>(ActivationType::kHardSwish) == kernels::kHardSwish &&
                  static_cast<int>(ActivationType::kGeluTanh) == kernels::kGeluTanh,
              "kernels::ActivationKind must follow kiln::ActivationType's order");

template <typename T>
class ActivationKernel : public Kernel {
 public:
  explicit ActivationKernel(ActivationParams params) : params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(kernels::Activation<T>(
        static_cast<int>(params_.type), params_.alpha, params_.beta,
        args.output_descs[0].volume(), static_cast<const T*>(args.inputs[0]),
        static_cast<T*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  ActivationParams params_;
};

class ActivationTactic : public CudaTactic {
 public:
  explicit ActivationTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.activation.kernel.", DataTypeName(dtype)), kActivationOp,
                   /*accepts_nhwc=*/true, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireDtype(node, dtype_));
    KILN_RETURN_IF_ERROR(RequireOneFormat(node));
    return ActivationParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ActivationParams params, ActivationParams::FromAttrs(node.attrs));
    if (dtype_ == DataType::kFloat16) {
      return std::unique_ptr<Kernel>(std::make_unique<ActivationKernel<__half>>(params));
    }
    return std::unique_ptr<Kernel>(std::make_unique<ActivationKernel<float>>(params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ActivationTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<ActivationTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
