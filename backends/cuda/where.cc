// cuda Where: one thread per output element selecting x or y through
// three-way broadcasting (kernels/pointwise.cu). Elements are copied as
// unsigned integers of their size, so every dtype is selected bit-exactly.
#include "ops/where.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class WhereKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& out = args.output_descs[0].dims;
    kernels::WhereShape shape;
    shape.rank = static_cast<int>(out.size());
    for (int d = 0; d < shape.rank; ++d) shape.out_dims[d] = out[d];
    kernels::RightAlignedStrides(args.input_descs[0].dims, out, shape.cond_strides);
    kernels::RightAlignedStrides(args.input_descs[1].dims, out, shape.x_strides);
    kernels::RightAlignedStrides(args.input_descs[2].dims, out, shape.y_strides);
    KILN_CUDA_RETURN_IF_ERROR(kernels::Where(
        static_cast<int>(DataTypeSize(args.output_descs[0].dtype)), shape,
        args.output_descs[0].volume(), static_cast<const uint8_t*>(args.inputs[0]),
        args.inputs[1], args.inputs[2], args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }
};

class WhereTactic : public CudaTactic {
 public:
  WhereTactic()
      : CudaTactic("cuda.where.kernel.any", kWhereOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    return RequireRankAtMost(node, kernels::kMaxRank);
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<WhereKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<WhereTactic>());

}  // namespace cuda
}  // namespace kiln
