// cuda LpNormalization: one block per (outer, inner) row, the norm summed in
// double with a block reduction (kernels/norm.cu), cpu_ref's formula (a zero
// norm gives 0); fp32 and fp16 (rounded once at the output).
#include "ops/lp_normalization.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/norm.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class LpNormalizationKernel : public Kernel {
 public:
  LpNormalizationKernel(DataType dtype, LpNormalizationParams params)
      : dtype_(dtype), params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(dims.size());
    const int64_t axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= dims[d];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= dims[d];
    KILN_CUDA_RETURN_IF_ERROR(kernels::LpNorm(static_cast<int>(dtype_), outer, dims[axis], inner,
                                              static_cast<int>(params_.p), args.inputs[0],
                                              args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  LpNormalizationParams params_;
};

class LpNormalizationTactic : public CudaTactic {
 public:
  explicit LpNormalizationTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.lp_normalization.kernel.", DataTypeName(dtype)),
                   kLpNormalizationOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    KILN_ASSIGN_OR_RETURN(LpNormalizationParams params,
                          LpNormalizationParams::FromAttrs(node.attrs));
    const int64_t rank = node.inputs[0].rank();
    if (params.axis < -rank || params.axis >= rank) {
      return absl::InvalidArgumentError(
          absl::StrCat("axis ", params.axis, " is out of range for rank ", rank));
    }
    if (params.p != 1 && params.p != 2) {
      return absl::UnimplementedError(absl::StrCat("p is ", params.p, "; only 1 and 2 exist"));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(LpNormalizationParams params,
                          LpNormalizationParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<LpNormalizationKernel>(dtype_, params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LpNormalizationTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<LpNormalizationTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
