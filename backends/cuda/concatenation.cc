// cuda Concatenation: one 2-D copy kernel per input (kernels::Copy2D): the
// input's rows (everything below the axis, per slab above it) land at its
// offset along the axis in the output's rows. Bit-exact for every dtype.
#include "ops/concatenation.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class ConcatenationKernel : public Kernel {
 public:
  explicit ConcatenationKernel(int64_t axis) : axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& out_desc = args.output_descs[0];
    const int elem_size = static_cast<int>(DataTypeSize(out_desc.dtype));
    int64_t outer = 1;
    for (int64_t d = 0; d < axis_; ++d) outer *= out_desc.dims[d];
    int64_t inner = 1;
    for (int64_t d = axis_ + 1; d < out_desc.rank(); ++d) inner *= out_desc.dims[d];
    const int64_t out_row = out_desc.dims[axis_] * inner;
    cudaStream_t stream = ResourcesOf(args).stream();
    int64_t offset = 0;  // elements into an output row
    for (size_t i = 0; i < args.inputs.size(); ++i) {
      const int64_t in_row = args.input_descs[i].dims[axis_] * inner;
      KILN_CUDA_RETURN_IF_ERROR(kernels::Copy2D(
          elem_size, outer, in_row, in_row, out_row, args.inputs[i],
          static_cast<uint8_t*>(args.outputs[0]) + offset * elem_size, stream));
      offset += in_row;
    }
    return absl::OkStatus();
  }

 private:
  int64_t axis_;  // non-negative
};

class ConcatenationTactic : public CudaTactic {
 public:
  ConcatenationTactic() : CudaTactic("cuda.concatenation.copy2d", kConcatenationOp) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i].dtype != node.outputs[0].dtype) {
        return absl::UnimplementedError(absl::StrCat("input ", i, " is ",
                                                     DataTypeName(node.inputs[i].dtype),
                                                     " but the output is ",
                                                     DataTypeName(node.outputs[0].dtype)));
      }
    }
    return ConcatenationParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ConcatenationParams params, ConcatenationParams::FromAttrs(node.attrs));
    absl::StatusOr<int64_t> axis = NormalizeConcatenationAxis(params.axis, node.outputs[0].rank());
    if (!axis.ok()) return node.Error(axis.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<ConcatenationKernel>(*axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ConcatenationTactic>());

}  // namespace cuda
}  // namespace kiln
