// cuda DFT: kiln's own kernel (kernels/signal.cu), cpu_ref's O(n^2) sum in
// double with the same twiddle angles, one thread per output frequency.
#include "ops/dft.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/sequence.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class DftKernel : public Kernel {
 public:
  DftKernel(DftParams params, bool fp16) : params_(params), fp16_(fp16) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const Dims& y = args.output_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(x.size());
    const int64_t axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
    kernels::DftShape shape;
    for (int64_t d = 0; d < axis; ++d) shape.outer *= x[d];
    for (int64_t d = axis + 1; d < rank - 1; ++d) shape.inner *= x[d];
    shape.in_len = x[axis];
    shape.in_complex = x.back();
    shape.n = params_.dft_length > 0 ? params_.dft_length : shape.in_len;
    shape.out_len = y[axis];
    shape.inverse = params_.inverse;
    KILN_CUDA_RETURN_IF_ERROR(kernels::Dft(fp16_, shape, args.inputs[0], args.outputs[0],
                                           ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DftParams params_;
  bool fp16_;
};

class DftTactic : public CudaTactic {
 public:
  explicit DftTactic(DataType dtype)
      : CudaTactic(dtype == DataType::kFloat16 ? "cuda.dft.direct.fp16" : "cuda.dft.direct.fp32",
                   kDftOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_),
                                                   " only"));
    }
    return DftParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(DftParams params, DftParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(
        std::make_unique<DftKernel>(params, dtype_ == DataType::kFloat16));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DftTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<DftTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
