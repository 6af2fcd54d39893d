// cuda Hardmax: one block per (outer, inner) row with a block arg-max
// (kernels/norm.cu) that keeps cpu_ref's first maximum and its NaN rule; fp32
// and fp16. The output is 0 or 1, bit-exact with cpu_ref.
#include "ops/hardmax.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/norm.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class HardmaxKernel : public Kernel {
 public:
  HardmaxKernel(DataType dtype, int64_t axis) : dtype_(dtype), axis_(axis) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis_; ++d) outer *= dims[d];
    for (size_t d = axis_ + 1; d < dims.size(); ++d) inner *= dims[d];
    KILN_CUDA_RETURN_IF_ERROR(kernels::Hardmax(static_cast<int>(dtype_), outer, dims[axis_],
                                               inner, args.inputs[0], args.outputs[0],
                                               ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  int64_t axis_;  // non-negative
};

class HardmaxTactic : public CudaTactic {
 public:
  explicit HardmaxTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.hardmax.kernel.", DataTypeName(dtype)), kHardmaxOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    return Axis(node).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(int64_t axis, Axis(node));
    return std::unique_ptr<Kernel>(std::make_unique<HardmaxKernel>(dtype_, axis));
  }

 private:
  static absl::StatusOr<int64_t> Axis(const NodeContext& node) {
    KILN_ASSIGN_OR_RETURN(HardmaxParams params, HardmaxParams::FromAttrs(node.attrs));
    const int64_t rank = node.inputs[0].rank();
    if (params.axis < -rank || params.axis >= rank) {
      return node.Error("axis ", params.axis, " is out of range for rank ", rank);
    }
    return params.axis < 0 ? params.axis + rank : params.axis;
  }

  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<HardmaxTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<HardmaxTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
