// cuda Shrink: one thread per element (kernels/pointwise.cu), fp32 and fp16
// (computed in fp32, rounded once). One add or compare per element, so the
// result is bit-exact with cpu_ref.
#include "ops/shrink.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class ShrinkKernel : public Kernel {
 public:
  ShrinkKernel(DataType dtype, ShrinkParams params) : dtype_(dtype), params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(kernels::Shrink(static_cast<int>(dtype_), params_.lambd,
                                              params_.bias, args.output_descs[0].volume(),
                                              args.inputs[0], args.outputs[0],
                                              ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  ShrinkParams params_;
};

class ShrinkTactic : public CudaTactic {
 public:
  explicit ShrinkTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.shrink.kernel.", DataTypeName(dtype)), kShrinkOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    return ShrinkParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ShrinkParams params, ShrinkParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<ShrinkKernel>(dtype_, params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ShrinkTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<ShrinkTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
