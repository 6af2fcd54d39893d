// cuda Expand: one strided copy (kernels::StridedCopy) over the output with
// input strides 0 along broadcast dims, as cpu_ref; bit-exact for every
// dtype.
#include "ops/expand.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class ExpandKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in = args.input_descs[0];
    const TensorDesc& out = args.output_descs[0];
    // Input dims right-aligned to the output's; a dim of 1 is read with
    // stride 0.
    kernels::StridedShape shape;
    shape.rank = static_cast<int>(out.rank());
    const int shift = shape.rank - static_cast<int>(in.rank());
    int64_t stride = 1;
    for (int d = shape.rank - 1; d >= 0; --d) {
      shape.out_dims[d] = out.dims[d];
      if (d < shift) continue;
      const int64_t size = in.dims[d - shift];
      shape.in_strides[d] = size == 1 ? 0 : stride;
      stride *= size;
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::StridedCopy(static_cast<int>(DataTypeSize(in.dtype)),
                                                   shape, args.inputs[0], args.outputs[0],
                                                   ResourcesOf(args).stream()));
    return absl::OkStatus();
  }
};

class ExpandTactic : public CudaTactic {
 public:
  ExpandTactic()
      : CudaTactic("cuda.expand.strided_copy.any", kExpandOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("input and output types differ");
    }
    return ExpandParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    if (node.inputs[0].rank() > node.outputs[0].rank()) {
      return node.Error("input rank ", node.inputs[0].rank(), " exceeds output rank ",
                        node.outputs[0].rank());
    }
    return std::unique_ptr<Kernel>(std::make_unique<ExpandKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ExpandTactic>());

}  // namespace cuda
}  // namespace kiln
