// cuda Shuffle: the reshape-only case (flatten, view changes), which is a
// device-to-device copy in row-major order. Shuffles that really transpose
// are refused with the reason until a transpose kernel lands.
#include "ops/shuffle.h"

#include "backends/cuda/common.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

bool IsIdentityPermutation(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// Copies the input's bytes to the output; shared by Shuffle and Identity.
class CopyKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(args.outputs[0], args.inputs[0],
                                              args.output_descs[0].bytes(),
                                              cudaMemcpyDeviceToDevice, ResourcesOf(args).stream()));
    return absl::OkStatus();
  }
};

absl::Status RequireLinearSameType(const NodeContext& node) {
  if (node.inputs[0].format != TensorFormat::kLinear ||
      node.outputs[0].format != TensorFormat::kLinear) {
    return absl::UnimplementedError("input and output must be linear (row-major)");
  }
  if (node.inputs[0].dtype != node.outputs[0].dtype) {
    return absl::UnimplementedError("input and output types differ");
  }
  return absl::OkStatus();
}

class ShuffleCopyTactic : public CudaTactic {
 public:
  ShuffleCopyTactic() : CudaTactic("cuda.shuffle.reshape_copy", kShuffleOp) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearSameType(node));
    KILN_ASSIGN_OR_RETURN(ShuffleParams params, ShuffleParams::FromAttrs(node.attrs));
    if (!IsIdentityPermutation(params.first_transpose) ||
        !IsIdentityPermutation(params.second_transpose)) {
      return absl::UnimplementedError(
          "transposes data; this tactic only reshapes (a transpose kernel is not written yet)");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<CopyKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ShuffleCopyTactic>());

}  // namespace cuda
}  // namespace kiln
