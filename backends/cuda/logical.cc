// cuda Logical: and/or/xor with broadcasting, not elementwise
// (kernels/pointwise.cu), on bool tensors; any nonzero byte reads as true.
#include "ops/logical.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class LogicalKernel : public Kernel {
 public:
  explicit LogicalKernel(LogicalOp op) : op_(op) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& out = args.output_descs[0].dims;
    const bool binary = op_ != LogicalOp::kNot;
    const kernels::BroadcastShape shape =
        binary ? kernels::MakeBroadcastShape(args.input_descs[0].dims, args.input_descs[1].dims,
                                             out)
               : kernels::BroadcastShape{};
    KILN_CUDA_RETURN_IF_ERROR(kernels::Logical(
        static_cast<int>(op_), shape, args.output_descs[0].volume(),
        static_cast<const uint8_t*>(args.inputs[0]),
        binary ? static_cast<const uint8_t*>(args.inputs[1]) : nullptr,
        static_cast<uint8_t*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  LogicalOp op_;
};

class LogicalTactic : public CudaTactic {
 public:
  LogicalTactic()
      : CudaTactic("cuda.logical.kernel.bool", kLogicalOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    return LogicalParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(LogicalParams params, LogicalParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<LogicalKernel>(params.op));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LogicalTactic>());

}  // namespace cuda
}  // namespace kiln
