// cuda PointwiseChain: kiln's own kernel (kernels/pointwise_chain.cu), the
// whole chain in one pass over memory, one tactic per precision (fp16
// computed in fp32, rounded once at the output). The steps are converted to
// the kernel's structs once, in CreateKernel; Run only launches. The kernel
// never looks at coordinates, so it runs on any format the input and the
// output share (NCHW or NHWC).
#include "ops/pointwise_chain.h"

#include <cuda_fp16.h>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise_chain.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

static_assert(kernels::kMaxChainSteps >= kMaxPointwiseChainSteps,
              "the kernel must take every chain the op admits");
static_assert(static_cast<int>(PointwiseStepKind::kActivation) == kernels::kStepActivation &&
                  static_cast<int>(PointwiseStepKind::kUnary) == kernels::kStepUnary &&
                  static_cast<int>(PointwiseStepKind::kScale) == kernels::kStepScale &&
                  static_cast<int>(PointwiseStepKind::kElementWise) == kernels::kStepElementWise,
              "kernels::ChainStepKind follows kiln::PointwiseStepKind");

kernels::ChainStep ToDevice(const PointwiseStep& step) {
  kernels::ChainStep d;
  d.kind = static_cast<int>(step.kind);
  switch (step.kind) {
    case PointwiseStepKind::kActivation:
      d.fn = static_cast<int>(step.activation.type);
      d.a = step.activation.alpha;
      d.b = step.activation.beta;
      break;
    case PointwiseStepKind::kUnary: d.fn = static_cast<int>(step.unary); break;
    case PointwiseStepKind::kScale:
      d.a = step.scale;
      d.b = step.shift;
      d.c = step.power;
      d.flag = step.has_power;
      break;
    case PointwiseStepKind::kElementWise:
      d.fn = static_cast<int>(step.binary);
      d.a = step.scalar;
      d.flag = step.scalar_first;
      break;
  }
  return d;
}

absl::StatusOr<kernels::ChainSteps> ToDevice(const PointwiseChainParams& params) {
  if (params.steps.size() > static_cast<size_t>(kernels::kMaxChainSteps)) {
    return absl::UnimplementedError(absl::StrCat("the chain has ", params.steps.size(),
                                                 " steps; the kernel takes at most ",
                                                 kernels::kMaxChainSteps));
  }
  kernels::ChainSteps steps;
  steps.count = static_cast<int>(params.steps.size());
  for (int i = 0; i < steps.count; ++i) steps.steps[i] = ToDevice(params.steps[i]);
  return steps;
}

template <typename T>
class ChainKernel : public Kernel {
 public:
  explicit ChainKernel(const kernels::ChainSteps& steps) : steps_(steps) {}
  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(kernels::PointwiseChain<T>(
        steps_, args.output_descs[0].volume(), static_cast<const T*>(args.inputs[0]),
        static_cast<T*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  kernels::ChainSteps steps_;
};

class ChainTactic : public CudaTactic {
 public:
  explicit ChainTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.pointwise_chain.kernel.", DataTypeName(dtype)),
                   kPointwiseChainOp, /*accepts_nhwc=*/true, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireDtype(node, dtype_));
    KILN_RETURN_IF_ERROR(RequireOneFormat(node));
    KILN_ASSIGN_OR_RETURN(PointwiseChainParams params, PointwiseChainParams::FromAttrs(node.attrs));
    return ToDevice(params).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(PointwiseChainParams params, PointwiseChainParams::FromAttrs(node.attrs));
    KILN_ASSIGN_OR_RETURN(kernels::ChainSteps steps, ToDevice(params));
    if (dtype_ == DataType::kFloat16) {
      return std::unique_ptr<Kernel>(std::make_unique<ChainKernel<__half>>(steps));
    }
    return std::unique_ptr<Kernel>(std::make_unique<ChainKernel<float>>(steps));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ChainTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<ChainTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
