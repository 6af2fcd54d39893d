// cuda InstanceNormalization: one block per (n, c) plane, mean and variance
// in double with block reductions, two passes (kernels/norm.cu), cpu_ref's
// formula scale / sqrt(var + epsilon); fp32 and fp16 (rounded once).
#include "ops/instance_normalization.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/norm.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class InstanceNormalizationKernel : public Kernel {
 public:
  InstanceNormalizationKernel(DataType dtype, InstanceNormalizationParams params)
      : dtype_(dtype), params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    int64_t plane = 1;
    for (size_t d = 2; d < dims.size(); ++d) plane *= dims[d];
    KILN_CUDA_RETURN_IF_ERROR(kernels::InstanceNorm(
        static_cast<int>(dtype_), dims[0], dims[1], plane, params_.epsilon, args.inputs[0],
        args.inputs[1], args.inputs[2], args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  InstanceNormalizationParams params_;
};

class InstanceNormalizationTactic : public CudaTactic {
 public:
  explicit InstanceNormalizationTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.instance_normalization.kernel.", DataTypeName(dtype)),
                   kInstanceNormalizationOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    if (node.inputs[0].rank() < 2) {
      return absl::InvalidArgumentError("input has rank < 2; expected (N, C, ...)");
    }
    return InstanceNormalizationParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(InstanceNormalizationParams params,
                          InstanceNormalizationParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<InstanceNormalizationKernel>(dtype_, params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<InstanceNormalizationTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<InstanceNormalizationTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
