// cuda Pooling: kiln's own kernel (kernels/pooling.cu), cpu_ref's semantics
// for ceil mode and count_include_pad, which cuDNN's pooling modes do not
// cover exactly (cuDNN has no ceil mode and clips windows differently).
#include "ops/pooling.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class PoolingKernel : public Kernel {
 public:
  explicit PoolingKernel(PoolingParams params) : params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const Dims& y = args.output_descs[0].dims;
    kernels::PoolShape s;
    s.planes = x[0] * x[1];
    s.height = x[2];
    s.width = x[3];
    s.out_h = y[2];
    s.out_w = y[3];
    s.kernel_h = params_.kernel[0];
    s.kernel_w = params_.kernel[1];
    s.stride_h = params_.strides[0];
    s.stride_w = params_.strides[1];
    s.pad_top = params_.pads[0];
    s.pad_left = params_.pads[1];
    s.pad_bottom = params_.pads[2];
    s.pad_right = params_.pads[3];
    s.is_max = params_.type == PoolingType::kMax;
    s.count_include_pad = params_.count_include_pad;
    KILN_CUDA_RETURN_IF_ERROR(kernels::PoolingFp32(s, static_cast<const float*>(args.inputs[0]),
                                                   static_cast<float*>(args.outputs[0]),
                                                   ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  PoolingParams params_;
};

class PoolingTactic : public CudaTactic {
 public:
  PoolingTactic() : CudaTactic("cuda.pooling.kernel.nchw.fp32", kPoolingOp) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFp32Linear(node));
    if (node.inputs.empty() || node.inputs[0].rank() != 4) {
      return absl::UnimplementedError("input is not 4-D NCHW");
    }
    KILN_ASSIGN_OR_RETURN(PoolingParams params, PoolingParams::FromAttrs(node.attrs));
    if (params.dilations[0] != 1 || params.dilations[1] != 1) {
      return absl::UnimplementedError(absl::StrCat("dilated pooling (dilations ", params.dilations[0],
                                                   "x", params.dilations[1],
                                                   ") is not implemented in this kernel"));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(PoolingParams params, PoolingParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<PoolingKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<PoolingTactic>());

}  // namespace cuda
}  // namespace kiln
