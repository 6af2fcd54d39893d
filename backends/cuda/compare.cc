// cuda Compare: one thread per output element with broadcasting
// (kernels/pointwise.cu). No arithmetic, so one tactic serves every dtype and
// is bit-exact: fp16 is widened exactly, NaN compares unordered, bool as
// false < true.
#include "ops/compare.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class CompareKernel : public Kernel {
 public:
  explicit CompareKernel(CompareOp op) : op_(op) {}
  absl::Status Run(const KernelArgs& args) const override {
    const kernels::BroadcastShape shape = kernels::MakeBroadcastShape(
        args.input_descs[0].dims, args.input_descs[1].dims, args.output_descs[0].dims);
    KILN_CUDA_RETURN_IF_ERROR(kernels::Compare(
        static_cast<int>(args.input_descs[0].dtype), static_cast<int>(op_), shape,
        args.output_descs[0].volume(), args.inputs[0], args.inputs[1],
        static_cast<uint8_t*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  CompareOp op_;
};

class CompareTactic : public CudaTactic {
 public:
  CompareTactic()
      : CudaTactic("cuda.compare.kernel.any", kCompareOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    return CompareParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(CompareParams params, CompareParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<CompareKernel>(params.op));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<CompareTactic>());

}  // namespace cuda
}  // namespace kiln
