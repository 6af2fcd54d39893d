// cuda DepthToSpace: cpu_ref's plan, one strided copy (kernels::StridedCopy)
// whose output is the 6-D view (N, C', H, b, W, b) of the result and whose
// strides walk the input in DCR or CRD order; bit-exact for every dtype.
#include "ops/depth_to_space.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class DepthToSpaceKernel : public Kernel {
 public:
  DepthToSpaceKernel(int64_t blocksize, bool dcr) : blocksize_(blocksize), dcr_(dcr) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in = args.input_descs[0];
    const int64_t n = in.dims[0], c = in.dims[1], h = in.dims[2], w = in.dims[3];
    const int64_t b = blocksize_, c_out = c / (b * b);
    // Input strides of the block row (b1), block column (b2) and output channel.
    int64_t stride_b1, stride_b2, stride_c;
    if (dcr_) {  // input viewed as (N, b1, b2, C', H, W)
      stride_b1 = b * c_out * h * w;
      stride_b2 = c_out * h * w;
      stride_c = h * w;
    } else {  // CRD: (N, C', b1, b2, H, W)
      stride_c = b * b * h * w;
      stride_b1 = b * h * w;
      stride_b2 = h * w;
    }
    kernels::StridedShape shape;
    shape.rank = 6;
    const int64_t out_dims[6] = {n, c_out, h, b, w, b};
    const int64_t in_strides[6] = {c * h * w, stride_c, w, stride_b1, 1, stride_b2};
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
  bool dcr_;
};

class DepthToSpaceTactic : public CudaTactic {
 public:
  DepthToSpaceTactic()
      : CudaTactic("cuda.depth_to_space.strided_copy.any", kDepthToSpaceOp, /*accepts_nhwc=*/false,
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
    return DepthToSpaceParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<DepthToSpaceParams> params = DepthToSpaceParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(
        std::make_unique<DepthToSpaceKernel>(params->blocksize, params->mode == "DCR"));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DepthToSpaceTactic>());

}  // namespace cuda
}  // namespace kiln
