// cuda Unary: kiln's own element-wise kernel (kernels/unary.cu), fp32, every
// op of ops/unary.h. abs, neg, ceil, floor, round and sign are bit-exact;
// sqrt and recip are correctly rounded; the rest use CUDA's libm (a few ulp).
#include "ops/unary.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class UnaryKernel : public Kernel {
 public:
  explicit UnaryKernel(UnaryOp op) : op_(op) {}
  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(kernels::UnaryFp32(
        static_cast<int>(op_), args.output_descs[0].volume(),
        static_cast<const float*>(args.inputs[0]), static_cast<float*>(args.outputs[0]),
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  UnaryOp op_;
};

class UnaryTactic : public CudaTactic {
 public:
  UnaryTactic() : CudaTactic("cuda.unary.kernel.fp32", kUnaryOp) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFp32Linear(node));
    return UnaryParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(UnaryParams params, UnaryParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<UnaryKernel>(params.op));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<UnaryTactic>());

}  // namespace cuda
}  // namespace kiln
