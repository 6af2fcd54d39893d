// cuda MaxUnpool: any dtype, bit-exact. cpu_ref scatters in input order, so
// with duplicate indices the last input element wins; the kernel reproduces
// that without ordering the writes by first recording, per output element,
// the largest input position aimed at it (atomicMax into the workspace), then
// gathering. Indices outside the inferred tensor are skipped, as in cpu_ref.
#include "ops/max_unpool.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class MaxUnpoolKernel : public Kernel {
 public:
  // The inferred spatial dims depend only on X's spatial dims, not the batch.
  explicit MaxUnpoolKernel(std::vector<int64_t> inferred) : inferred_(std::move(inferred)) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& x = args.input_descs[0];
    const TensorDesc& out = args.output_descs[0];
    kernels::UnpoolShape s;
    s.rank = static_cast<int>(inferred_.size());
    s.planes = x.dims[0] * x.dims[1];
    s.in_volume = x.volume();
    for (int d = 0; d < s.rank; ++d) {
      s.inferred[d] = inferred_[d];
      s.out_spatial[d] = out.dims[2 + d];
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::MaxUnpool(
        static_cast<int>(DataTypeSize(x.dtype)), s, args.inputs[0],
        static_cast<const int64_t*>(args.inputs[1]),
        static_cast<unsigned long long*>(args.workspace), args.outputs[0],
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  std::vector<int64_t> inferred_;
};

class MaxUnpoolTactic : public CudaTactic {
 public:
  MaxUnpoolTactic() : CudaTactic("cuda.max_unpool.kernel.any", kMaxUnpoolOp) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.size() < 2 || node.inputs[1].dtype != DataType::kInt64) {
      return absl::UnimplementedError("needs X and int64 indices");
    }
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("input and output types differ");
    }
    KILN_ASSIGN_OR_RETURN(MaxUnpoolParams params, MaxUnpoolParams::FromAttrs(node.attrs));
    if (params.kernel_shape.size() > static_cast<size_t>(kernels::kMaxSpatial)) {
      return absl::UnimplementedError(absl::StrCat(params.kernel_shape.size(),
                                                   " spatial dims; at most ",
                                                   kernels::kMaxSpatial, " are supported"));
    }
    return MaxUnpoolInferredSpatial(params, node.inputs[0].dims).status();
  }

  // One winner slot per output element at max batch.
  size_t WorkspaceSize(const NodeContext& node) const override {
    return static_cast<size_t>(node.outputs[0].volume()) * sizeof(unsigned long long);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(MaxUnpoolParams params, MaxUnpoolParams::FromAttrs(node.attrs));
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> inferred,
                          MaxUnpoolInferredSpatial(params, node.inputs[0].dims));
    return std::unique_ptr<Kernel>(std::make_unique<MaxUnpoolKernel>(std::move(inferred)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<MaxUnpoolTactic>());

}  // namespace cuda
}  // namespace kiln
