// cuda Concatenation: one 2-D copy kernel per input (kernels::Copy2D): the
// input's rows (everything below the axis, per slab above it) land at its
// offset along the axis in the output's rows. Bit-exact for every dtype.
// NHWC tensors are walked in their memory order (N, H, W, C), so a channel
// concatenation is a copy of C_i-element rows at a pitch of C_out: what keeps
// an inception block in NHWC without Reformat layers around it.
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
  // `axis`: non-negative, logical (NCHW for an NHWC tensor).
  ConcatenationKernel(int64_t axis, bool nhwc) : axis_(axis), nhwc_(nhwc) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& out_desc = args.output_descs[0];
    const int elem_size = static_cast<int>(DataTypeSize(out_desc.dtype));
    const Dims out_dims = MemoryOrder(out_desc.dims);
    const int64_t axis = nhwc_ ? kNhwcAxis[axis_] : axis_;
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= out_dims[d];
    int64_t inner = 1;
    for (int64_t d = axis + 1; d < static_cast<int64_t>(out_dims.size()); ++d) {
      inner *= out_dims[d];
    }
    const int64_t out_row = out_dims[axis] * inner;
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
  // Where each logical (NCHW) axis sits in NHWC memory.
  static constexpr int64_t kNhwcAxis[4] = {0, 3, 1, 2};

  // `dims` (logical) in the order the elements lie in memory.
  Dims MemoryOrder(const Dims& dims) const {
    if (!nhwc_) return dims;
    return {dims[0], dims[2], dims[3], dims[1]};
  }

  int64_t axis_;
  bool nhwc_;
};

class ConcatenationTactic : public CudaTactic {
 public:
  ConcatenationTactic()
      : CudaTactic("cuda.concatenation.copy2d", kConcatenationOp, /*accepts_nhwc=*/true,
                   /*dynamic_shapes=*/true) {}
  absl::Status Supports(const NodeContext& node) const override {
    const TensorFormat format = node.outputs[0].format;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i].format != format) {
        return absl::UnimplementedError(
            absl::StrCat("input ", i, " is ", TensorFormatName(node.inputs[i].format),
                         " but the output is ", TensorFormatName(format),
                         "; every tensor must share one layout"));
      }
    }
    if (format != TensorFormat::kLinear && format != TensorFormat::kNHWC) {
      return absl::UnimplementedError(
          absl::StrCat("layout ", TensorFormatName(format), " is not supported"));
    }
    if (format == TensorFormat::kNHWC && node.outputs[0].rank() != 4) {
      return absl::UnimplementedError("an NHWC concatenation must be rank 4");
    }
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
    return std::unique_ptr<Kernel>(std::make_unique<ConcatenationKernel>(
        *axis, node.outputs[0].format == TensorFormat::kNHWC));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ConcatenationTactic>());

}  // namespace cuda
}  // namespace kiln
