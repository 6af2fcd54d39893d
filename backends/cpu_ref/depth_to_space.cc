// cpu_ref DepthToSpace: ONNX defines it as reshape to 6-D, transpose,
// reshape; here the transpose is one StridedCopy whose output is the 6-D view
// (N, C', H, b, W, b) of the result and whose strides walk the input.
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/depth_to_space.h"

namespace kiln {
namespace cpu_ref {
namespace {

class DepthToSpaceKernel : public Kernel {
 public:
  explicit DepthToSpaceKernel(DepthToSpaceParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& d = args.input_descs[0].dims;
    const int64_t n = d[0], c = d[1], h = d[2], w = d[3], b = params_.blocksize;
    const int64_t c_out = c / (b * b);
    // Input strides of the block row (b1), block column (b2) and output channel.
    int64_t stride_b1, stride_b2, stride_c;
    if (params_.mode == "DCR") {  // input viewed as (N, b1, b2, C', H, W)
      stride_b1 = b * c_out * h * w;
      stride_b2 = c_out * h * w;
      stride_c = h * w;
    } else {  // CRD: (N, C', b1, b2, H, W)
      stride_c = b * b * h * w;
      stride_b1 = b * h * w;
      stride_b2 = h * w;
    }
    const SmallDims out_dims = {n, c_out, h, b, w, b};
    const SmallDims in_strides = {c * h * w, stride_c, w, stride_b1, 1, stride_b2};
    StridedCopy(args.inputs[0], DataTypeSize(args.input_descs[0].dtype), out_dims, in_strides,
                args.outputs[0]);
    return absl::OkStatus();
  }

 private:
  DepthToSpaceParams params_;
};

class DepthToSpaceTactic : public Tactic {
 public:
  DepthToSpaceTactic()
      : Tactic(TacticInfo{"cpu_ref.depth_to_space.direct", kDepthToSpaceOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(DepthToSpaceParams params, DepthToSpaceParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DepthToSpaceKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DepthToSpaceTactic>());

}  // namespace cpu_ref
}  // namespace kiln
