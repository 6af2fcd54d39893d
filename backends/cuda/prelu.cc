// cuda PRelu: one thread per element of x reading its broadcast slope
// (kernels/pointwise.cu), fp32 and fp16 (computed in fp32, rounded once).
// One multiply per element, so the result is bit-exact with cpu_ref.
#include "ops/prelu.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class PReluKernel : public Kernel {
 public:
  explicit PReluKernel(DataType dtype) : dtype_(dtype) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& out = args.output_descs[0].dims;
    const kernels::BroadcastShape shape =
        kernels::MakeBroadcastShape(args.input_descs[0].dims, args.input_descs[1].dims, out);
    KILN_CUDA_RETURN_IF_ERROR(kernels::PRelu(static_cast<int>(dtype_), shape,
                                             args.output_descs[0].volume(), args.inputs[0],
                                             args.inputs[1], args.outputs[0],
                                             ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
};

class PReluTactic : public CudaTactic {
 public:
  explicit PReluTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.prelu.kernel.", DataTypeName(dtype)), kPReluOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<PReluKernel>(dtype_));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<PReluTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<PReluTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
