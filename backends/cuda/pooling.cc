// cuda Pooling: kiln's own kernels (kernels/pooling.cu), cpu_ref's semantics
// for ceil mode and count_include_pad, which cuDNN's pooling modes do not
// cover exactly (cuDNN has no ceil mode and clips windows differently). One
// tactic per layout (NCHW, NHWC) and precision (fp16 computed in fp32,
// rounded once at the output; max is bit-exact in both).
#include "ops/pooling.h"

#include <cuda_fp16.h>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

template <typename T>
class PoolingKernel : public Kernel {
 public:
  PoolingKernel(PoolingParams params, bool nhwc) : params_(params), nhwc_(nhwc) {}
  absl::Status Run(const KernelArgs& args) const override {
    // Dims are logical (N, C, H, W) in either layout.
    const Dims& x = args.input_descs[0].dims;
    const Dims& y = args.output_descs[0].dims;
    kernels::PoolShape s;
    s.planes = x[0] * x[1];
    s.channels = x[1];
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
    s.dilation_h = params_.dilations[0];
    s.dilation_w = params_.dilations[1];
    const auto* in = static_cast<const T*>(args.inputs[0]);
    auto* out = static_cast<T*>(args.outputs[0]);
    const cudaStream_t stream = ResourcesOf(args).stream();
    if (nhwc_) {
      KILN_CUDA_RETURN_IF_ERROR(kernels::PoolingNhwc<T>(s, in, out, stream));
    } else {
      KILN_CUDA_RETURN_IF_ERROR(kernels::Pooling<T>(s, in, out, stream));
    }
    return absl::OkStatus();
  }

 private:
  PoolingParams params_;
  bool nhwc_;
};

class PoolingTactic : public CudaTactic {
 public:
  PoolingTactic(TensorFormat format, DataType dtype)
      : CudaTactic(
            absl::StrCat("cuda.pooling.kernel.", format == TensorFormat::kNHWC ? "nhwc." : "nchw.",
                         DataTypeName(dtype)),
            kPoolingOp, /*accepts_nhwc=*/format == TensorFormat::kNHWC, /*dynamic_shapes=*/true),
        format_(format),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireDtype(node, dtype_));
    if (node.inputs.empty() || node.inputs[0].rank() != 4 || node.outputs.empty() ||
        node.outputs[0].rank() != 4) {
      return absl::UnimplementedError("input or output is not 4-D");
    }
    const char* layout = format_ == TensorFormat::kNHWC ? "NHWC" : "NCHW (linear)";
    if (node.inputs[0].format != format_ || node.outputs[0].format != format_) {
      return absl::UnimplementedError(absl::StrCat(
          "input is ", TensorFormatName(node.inputs[0].format), " and output is ",
          TensorFormatName(node.outputs[0].format), "; this tactic reads and writes ", layout));
    }
    return PoolingParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(PoolingParams params, PoolingParams::FromAttrs(node.attrs));
    const bool nhwc = format_ == TensorFormat::kNHWC;
    if (dtype_ == DataType::kFloat16) {
      return std::unique_ptr<Kernel>(std::make_unique<PoolingKernel<__half>>(params, nhwc));
    }
    return std::unique_ptr<Kernel>(std::make_unique<PoolingKernel<float>>(params, nhwc));
  }

 private:
  TensorFormat format_;
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<PoolingTactic>(TensorFormat::kLinear, DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<PoolingTactic>(TensorFormat::kLinear, DataType::kFloat16));
KILN_REGISTER_TACTIC(std::make_unique<PoolingTactic>(TensorFormat::kNHWC, DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<PoolingTactic>(TensorFormat::kNHWC, DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
