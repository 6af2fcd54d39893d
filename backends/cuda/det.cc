// cuda Det: kiln's own kernel (kernels/linalg.cu), one thread per matrix
// doing cpu_ref's Gaussian elimination with partial pivoting in double (same
// pivot choice, same operation order, no FMA contraction), on a double copy
// of the batch in the workspace.
#include "ops/det.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/sequence.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class DetKernel : public Kernel {
 public:
  explicit DetKernel(bool fp16) : fp16_(fp16) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const int64_t m = x.back();
    const int64_t count = args.output_descs[0].volume();
    KILN_CUDA_RETURN_IF_ERROR(kernels::Det(fp16_, count, m, args.inputs[0],
                                           static_cast<double*>(args.workspace), args.outputs[0],
                                           ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  bool fp16_;
};

class DetTactic : public CudaTactic {
 public:
  explicit DetTactic(DataType dtype)
      : CudaTactic(dtype == DataType::kFloat16 ? "cuda.det.lu.fp16" : "cuda.det.lu.fp32", kDetOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_),
                                                   " only"));
    }
    return absl::OkStatus();
  }

  // A double copy of every matrix (at max batch).
  size_t WorkspaceSize(const NodeContext& node) const override {
    return static_cast<size_t>(node.inputs[0].volume()) * sizeof(double);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<DetKernel>(dtype_ == DataType::kFloat16));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DetTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<DetTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
