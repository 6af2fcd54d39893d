// cuda Cast: one kernel per (source, target) pair (kernels::Cast, all 36
// pairs among fp32, fp16, int8, int32, int64 and bool) with ops/cast.h's
// semantics: truncation toward zero with saturation, NaN -> 0, to-bool
// x != 0. A no-op cast is a cudaMemcpyAsync (exact bits). Types are read
// from the run's descs, like cpu_ref, so a precision pass may retype them.
#include "ops/cast.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class CastKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const DataType from = args.input_descs[0].dtype;
    const DataType to = args.output_descs[0].dtype;
    const int64_t count = args.output_descs[0].volume();
    if (count == 0) return absl::OkStatus();
    cudaStream_t stream = ResourcesOf(args).stream();
    if (from == to) {
      KILN_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(args.outputs[0], args.inputs[0],
                                                args.output_descs[0].bytes(),
                                                cudaMemcpyDeviceToDevice, stream));
      return absl::OkStatus();
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::Cast(static_cast<int>(from), static_cast<int>(to), count,
                                            args.inputs[0], args.outputs[0], stream));
    return absl::OkStatus();
  }
};

class CastTactic : public CudaTactic {
 public:
  CastTactic()
      : CudaTactic("cuda.cast.kernel", kCastOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true) {}
  // Elementwise, so any layout works as long as input and output share it.
  absl::Status Supports(const NodeContext& node) const override {
    if (node.inputs[0].format != node.outputs[0].format) {
      return absl::UnimplementedError(absl::StrCat(
          "input is ", TensorFormatName(node.inputs[0].format), " but output is ",
          TensorFormatName(node.outputs[0].format),
          "; an elementwise conversion cannot change the layout"));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<CastKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<CastTactic>());

}  // namespace cuda
}  // namespace kiln
