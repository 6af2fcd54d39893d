// cuda Celu: one thread per element (kernels/pointwise.cu), cpu_ref's
// formula with CUDA's expm1f (a few ulp from the host's), fp32 and fp16
// (computed in fp32, rounded once).
#include "ops/celu.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class CeluKernel : public Kernel {
 public:
  CeluKernel(DataType dtype, CeluParams params) : dtype_(dtype), params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(kernels::Celu(static_cast<int>(dtype_), params_.alpha,
                                            args.output_descs[0].volume(), args.inputs[0],
                                            args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  CeluParams params_;
};

class CeluTactic : public CudaTactic {
 public:
  explicit CeluTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.celu.kernel.", DataTypeName(dtype)), kCeluOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    return CeluParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(CeluParams params, CeluParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<CeluKernel>(dtype_, params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<CeluTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<CeluTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
