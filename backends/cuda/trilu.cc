// cuda Trilu: one kernel (kernels::Trilu), one thread per element, copying
// the kept triangle and writing all-zero bytes elsewhere (0 in every dtype),
// as cpu_ref; bit-exact for every dtype.
#include "ops/trilu.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class TriluKernel : public Kernel {
 public:
  explicit TriluKernel(TriluParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in = args.input_descs[0];
    const int64_t rows = in.dims[in.rank() - 2], cols = in.dims[in.rank() - 1];
    const int64_t matrices = rows * cols == 0 ? 0 : in.volume() / (rows * cols);
    KILN_CUDA_RETURN_IF_ERROR(kernels::Trilu(static_cast<int>(DataTypeSize(in.dtype)), matrices,
                                             rows, cols, params_.upper, params_.k, args.inputs[0],
                                             args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  TriluParams params_;
};

class TriluTactic : public CudaTactic {
 public:
  TriluTactic()
      : CudaTactic("cuda.trilu.kernel.any", kTriluOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].rank() < 2) {
      return absl::UnimplementedError(
          absl::StrCat("input has rank ", node.inputs[0].rank(), "; expected >= 2"));
    }
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("input and output types differ");
    }
    return TriluParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<TriluParams> params = TriluParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<TriluKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<TriluTactic>());

}  // namespace cuda
}  // namespace kiln
