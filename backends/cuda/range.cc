// cuda Range: one kernel (kernels::Range), element i = start + i * delta in
// double (multiply and add rounded separately, as cpu_ref) converted once,
// so the result is cpu_ref's bit for bit. Output fp32, fp16, int8, int32 or
// int64. Range has no inputs, so tests/conformance/range_test.cc runs the
// kernel directly rather than through a plan.
#include "ops/range.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class RangeKernel : public Kernel {
 public:
  explicit RangeKernel(RangeParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& out = args.output_descs[0];
    KILN_CUDA_RETURN_IF_ERROR(kernels::Range(
        static_cast<int>(out.dtype), static_cast<double>(params_.start),
        static_cast<double>(params_.delta), out.volume(), args.outputs[0],
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  RangeParams params_;
};

class RangeTactic : public CudaTactic {
 public:
  RangeTactic()
      : CudaTactic("cuda.range.kernel.any", kRangeOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.outputs[0].dtype == DataType::kBool) {
      return absl::UnimplementedError("bool output is not defined for Range");
    }
    return RangeParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<RangeParams> params = RangeParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<RangeKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<RangeTactic>());

}  // namespace cuda
}  // namespace kiln
