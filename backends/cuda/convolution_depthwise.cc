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
    return std::unique_ptr<Kernel>(std::make_unique<DirectConvKernel<kernels::DepthwiseShape>>(
        shape, dtype_, &kernels::DepthwiseConvNhwc<float>, &kernels::DepthwiseConvNhwc<__half>));
  }

 private:
  // The kernel's shape at the max batch, or why the kernel cannot run `node`.
  absl::StatusOr<kernels::DepthwiseShape> Shape(const NodeContext& node) const {
    KILN_RETURN_IF_ERROR(RequireConvVariant(node, {dtype_, TensorFormat::kNHWC}));
    KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ConvolutionParams::FromAttrs(node.attrs));
    KILN_ASSIGN_OR_RETURN(kernels::DepthwiseShape s,
                          DirectConvShape<kernels::DepthwiseShape>(node, p));
    const Dims& x = node.inputs[0].dims;
    const Dims& w = node.inputs[1].dims;
    if (p.group != x[1] || w[0] != x[1] || w[1] != 1) {
      return absl::UnimplementedError(absl::StrCat(
          "not depthwise: group ", p.group, ", ", x[1], " input channels, weights ",
          DimsString(w), "; this tactic needs one filter per channel (group == C == K)"));
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
