// cuda IsNanInf: one thread per element (kernels/pointwise.cu) writing the
// bool output; fp32 and fp16 inputs (fp16 widened exactly, NaN and inf kept).
#include "ops/is_nan_inf.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class IsNanInfKernel : public Kernel {
 public:
  IsNanInfKernel(DataType dtype, IsNanInfParams params) : dtype_(dtype), params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(kernels::IsNanInf(
        static_cast<int>(dtype_), params_.inf, params_.detect_positive, params_.detect_negative,
        args.output_descs[0].volume(), args.inputs[0], static_cast<uint8_t*>(args.outputs[0]),
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  IsNanInfParams params_;
};

class IsNanInfTactic : public CudaTactic {
 public:
  explicit IsNanInfTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.is_nan_inf.kernel.", DataTypeName(dtype)), kIsNanInfOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    return IsNanInfParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(IsNanInfParams params, IsNanInfParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<IsNanInfKernel>(dtype_, params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<IsNanInfTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<IsNanInfTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
