// cuda Convolution, depthwise: cuda.convolution.depthwise.nhwc.<fp32|fp16>,
// kiln's own kernel (kernels/depthwise_conv.cu) for a convolution with one
// filter per channel (group == C == K, MobileNet's 3x3 layers), NHWC, any
// size, stride, padding and dilation, the epilogue (bias, residual,
// activation) in the same pass. Linked into the convolution tactics
// (//backends/cuda:convolution); the builder times it against cuDNN's.
#include <memory>
#include <vector>

#include "backends/cuda/common.h"
#include "backends/cuda/cudnn_conv_common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/convolution.h"

namespace kiln {
namespace cuda {
namespace {

class DepthwiseConvKernel : public Kernel {
 public:
  DepthwiseConvKernel(const kernels::DepthwiseShape& shape, DataType dtype)
      : shape_(shape), dtype_(dtype) {}

  absl::Status Run(const KernelArgs& args) const override {
    kernels::DepthwiseShape s = shape_;
    s.batch = args.input_descs[0].dims[0];
    const void* bias = args.inputs.size() > 2 ? args.inputs[2] : nullptr;
    const void* residual = args.inputs.size() > 3 ? args.inputs[3] : nullptr;
    cudaStream_t stream = ResourcesOf(args).stream();
    if (dtype_ == DataType::kFloat16) {
      KILN_CUDA_RETURN_IF_ERROR(kernels::DepthwiseConvNhwc<__half>(
          s, static_cast<const __half*>(args.inputs[0]), static_cast<const __half*>(args.inputs[1]),
          static_cast<const __half*>(bias), static_cast<const __half*>(residual),
          static_cast<__half*>(args.outputs[0]), stream));
    } else {
      KILN_CUDA_RETURN_IF_ERROR(kernels::DepthwiseConvNhwc<float>(
          s, static_cast<const float*>(args.inputs[0]), static_cast<const float*>(args.inputs[1]),
          static_cast<const float*>(bias), static_cast<const float*>(residual),
          static_cast<float*>(args.outputs[0]), stream));
    }
    return absl::OkStatus();
  }

 private:
  kernels::DepthwiseShape shape_;  // batch set per run
  DataType dtype_;
};

class DepthwiseConvTactic : public CudaTactic {
 public:
  explicit DepthwiseConvTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.convolution.depthwise.nhwc.", DataTypeName(dtype)),
                   kConvolutionOp, /*accepts_nhwc=*/true),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    return Shape(node).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(kernels::DepthwiseShape shape, Shape(node));
    return std::unique_ptr<Kernel>(std::make_unique<DepthwiseConvKernel>(shape, dtype_));
  }

 private:
  // The kernel's shape at the max batch, or why the kernel cannot run `node`.
  absl::StatusOr<kernels::DepthwiseShape> Shape(const NodeContext& node) const {
    KILN_RETURN_IF_ERROR(RequireConvVariant(node, {dtype_, TensorFormat::kNHWC}));
    KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ConvolutionParams::FromAttrs(node.attrs));
    if (node.inputs.size() < 2 || node.inputs[0].rank() != 4 || node.inputs[1].rank() != 4 ||
        node.outputs[0].rank() != 4) {
      return absl::UnimplementedError("only 2-D convolutions (4-D x, weights and y) are supported");
    }
    const Dims& x = node.inputs[0].dims;
    const Dims& w = node.inputs[1].dims;
    const Dims& y = node.outputs[0].dims;
    if (p.group != x[1] || w[0] != x[1] || w[1] != 1) {
      return absl::UnimplementedError(absl::StrCat(
          "not depthwise: group ", p.group, ", ", x[1], " input channels, weights ",
          DimsString(w), "; this tactic needs one filter per channel (group == C == K)"));
    }
    kernels::DepthwiseShape s;
    s.batch = x[0];
    s.height = x[2];
    s.width = x[3];
    s.channels = x[1];
    s.out_h = y[2];
    s.out_w = y[3];
    s.kernel_h = w[2];
    s.kernel_w = w[3];
    s.stride_h = p.strides[0];
    s.stride_w = p.strides[1];
    s.pad_top = p.pads[0];
    s.pad_left = p.pads[1];
    s.dilation_h = p.dilations[0];
    s.dilation_w = p.dilations[1];
    if (p.activation.has_value()) {
      s.activation = static_cast<int>(p.activation->type);
      s.alpha = p.activation->alpha;
      s.beta = p.activation->beta;
    }
    if (!kernels::DepthwiseNhwcFits(s, static_cast<int>(DataTypeSize(dtype_)))) {
      return absl::UnimplementedError(absl::StrCat(
          x[1], " channels are not a multiple of ", 16 / DataTypeSize(dtype_),
          ", or the tensors have 2^31 elements or more"));
    }
    return s;
  }

  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DepthwiseConvTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<DepthwiseConvTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
