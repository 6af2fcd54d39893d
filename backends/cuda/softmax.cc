// cuda SoftMax: kiln's own warp-per-row kernel (kernels/softmax.cu), one
// tactic per precision (fp16 computed in fp32, rounded once at the output).
#include "ops/softmax.h"

#include <cuda_fp16.h>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

template <typename T>
class SoftmaxKernel : public Kernel {
 public:
  explicit SoftmaxKernel(SoftMaxParams params) : params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(dims.size());
    const int64_t axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= dims[d];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= dims[d];
    KILN_CUDA_RETURN_IF_ERROR(kernels::Softmax<T>(
        outer, dims[axis], inner, params_.log, static_cast<const T*>(args.inputs[0]),
        static_cast<T*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  SoftMaxParams params_;
};

class SoftmaxTactic : public CudaTactic {
 public:
  explicit SoftmaxTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.softmax.kernel.", DataTypeName(dtype)), kSoftMaxOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatLinear(node, dtype_));
    KILN_ASSIGN_OR_RETURN(SoftMaxParams params, SoftMaxParams::FromAttrs(node.attrs));
    const int64_t rank = node.inputs.empty() ? 0 : node.inputs[0].rank();
    if (rank == 0 || params.axis < -rank || params.axis >= rank) {
      return absl::InvalidArgumentError(absl::StrCat("axis ", params.axis, " is outside rank ", rank));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(SoftMaxParams params, SoftMaxParams::FromAttrs(node.attrs));
    if (dtype_ == DataType::kFloat16) {
      return std::unique_ptr<Kernel>(std::make_unique<SoftmaxKernel<__half>>(params));
    }
    return std::unique_ptr<Kernel>(std::make_unique<SoftmaxKernel<float>>(params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<SoftmaxTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<SoftmaxTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
