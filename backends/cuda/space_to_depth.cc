// cuda SpaceToDepth: cpu_ref's plan, one strided copy (kernels::StridedCopy)
// over the 6-D view (N, b, b, C, H/b, W/b) of the output; bit-exact for
// every dtype.
#include "ops/space_to_depth.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class SpaceToDepthKernel : public Kernel {
 public:
  explicit SpaceToDepthKernel(int64_t blocksize) : blocksize_(blocksize) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in = args.input_descs[0];
    const int64_t n = in.dims[0], c = in.dims[1], h = in.dims[2], w = in.dims[3];
    const int64_t b = blocksize_;
    kernels::StridedShape shape;
    shape.rank = 6;
    const int64_t out_dims[6] = {n, b, b, c, h / b, w / b};
    // Input strides of: batch, block row, block column, channel, block y, block x.
    const int64_t in_strides[6] = {c * h * w, w, 1, h * w, b * w, b};
    for (int d = 0; d < 6; ++d) {
      shape.out_dims[d] = out_dims[d];
      shape.in_strides[d] = in_strides[d];
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::StridedCopy(static_cast<int>(DataTypeSize(in.dtype)),
                                                   shape, args.inputs[0], args.outputs[0],
                                                   ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  int64_t blocksize_;
};

class SpaceToDepthTactic : public CudaTactic {
 public:
  SpaceToDepthTactic()
      : CudaTactic("cuda.space_to_depth.strided_copy.any", kSpaceToDepthOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].rank() != 4) {
      return absl::UnimplementedError(
          absl::StrCat("input has rank ", node.inputs[0].rank(), "; expected 4 (NCHW)"));
    }
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("input and output types differ");
    }
    return SpaceToDepthParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<SpaceToDepthParams> params = SpaceToDepthParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<SpaceToDepthKernel>(params->blocksize));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<SpaceToDepthTactic>());

}  // namespace cuda
}  // namespace kiln
