// cuda LRN: kiln's own kernel (kernels/lrn.cu), fp32 NCHW (any rank >= 2),
// one thread per output element summing the channel window in cpu_ref's
// order without FMA; powf is within 2 ulp of std::pow. One tactic per
// precision (fp16 computed in fp32, rounded once at the output).
#include "ops/lrn.h"

#include <cuda_fp16.h>

#include <algorithm>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

template <typename T>
class LrnKernel : public Kernel {
 public:
  explicit LrnKernel(LrnParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    const int64_t batches = dims[0], channels = dims[1];
    const int64_t plane = Volume(dims) / std::max<int64_t>(batches * channels, 1);
    KILN_CUDA_RETURN_IF_ERROR(kernels::Lrn<T>(
        batches, channels, plane, params_.size, params_.alpha, params_.beta, params_.bias,
        static_cast<const T*>(args.inputs[0]), static_cast<T*>(args.outputs[0]),
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  LrnParams params_;
};

class LrnTactic : public CudaTactic {
 public:
  explicit LrnTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.lrn.kernel.", DataTypeName(dtype)), kLrnOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatLinear(node, dtype_));
    if (node.inputs[0].rank() < 2) {
      return absl::UnimplementedError("input needs a batch and a channel dim");
    }
    return LrnParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(LrnParams params, LrnParams::FromAttrs(node.attrs));
    if (dtype_ == DataType::kFloat16) {
      return std::unique_ptr<Kernel>(std::make_unique<LrnKernel<__half>>(params));
    }
    return std::unique_ptr<Kernel>(std::make_unique<LrnKernel<float>>(params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LrnTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<LrnTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
