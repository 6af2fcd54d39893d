// cpu_ref SpaceToDepth: ONNX defines it as reshape to (N, C, H', b, W', b),
// transpose to (N, b, b, C, H', W'), reshape; the transpose is one
// StridedCopy over the 6-D view of the output.
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/space_to_depth.h"

namespace kiln {
namespace cpu_ref {
namespace {

class SpaceToDepthKernel : public Kernel {
 public:
  explicit SpaceToDepthKernel(SpaceToDepthParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& d = args.input_descs[0].dims;
    const int64_t n = d[0], c = d[1], h = d[2], w = d[3], b = params_.blocksize;
    const SmallDims out_dims = {n, b, b, c, h / b, w / b};
    // Input strides of: batch, block row, block column, channel, block y, block x.
    const SmallDims in_strides = {c * h * w, w, 1, h * w, b * w, b};
    StridedCopy(args.inputs[0], DataTypeSize(args.input_descs[0].dtype), out_dims, in_strides,
                args.outputs[0]);
    return absl::OkStatus();
  }

 private:
  SpaceToDepthParams params_;
};

class SpaceToDepthTactic : public Tactic {
 public:
  SpaceToDepthTactic()
      : Tactic(TacticInfo{"cpu_ref.space_to_depth.direct", kSpaceToDepthOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(SpaceToDepthParams params, SpaceToDepthParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<SpaceToDepthKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<SpaceToDepthTactic>());

}  // namespace cpu_ref
}  // namespace kiln
