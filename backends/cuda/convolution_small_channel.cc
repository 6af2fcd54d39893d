// cuda Convolution, small channel: cuda.convolution.small_channel.nhwc.<fp32|fp16>,
// kiln's direct kernel (kernels/small_channel_conv.cu) for a 2-D convolution
// of an input with at most 4 channels (a CNN's RGB stem), NHWC, group 1, any
// size, stride, padding and dilation, the epilogue (bias, residual,
// activation) in the same pass. Linked into the convolution tactics
// (//backends/cuda:convolution); the builder times it against cuDNN's.
#include <memory>
#include <vector>

#include "backends/cuda/common.h"
#include "backends/cuda/cudnn_conv_common.h"
#include "backends/cuda/kernels/small_channel_conv.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/convolution.h"

namespace kiln {
namespace cuda {
namespace {

class SmallChannelConvTactic : public CudaTactic {
 public:
  explicit SmallChannelConvTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.convolution.small_channel.nhwc.", DataTypeName(dtype)),
                   kConvolutionOp, /*accepts_nhwc=*/true),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override { return Shape(node).status(); }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(kernels::SmallChannelConvShape shape, Shape(node));
    return std::unique_ptr<Kernel>(
        std::make_unique<DirectConvKernel<kernels::SmallChannelConvShape>>(
            shape, dtype_, &kernels::SmallChannelConvNhwc<float>,
            &kernels::SmallChannelConvNhwc<__half>));
  }

 private:
  // The kernel's shape at the max batch, or why the kernel cannot run `node`.
  absl::StatusOr<kernels::SmallChannelConvShape> Shape(const NodeContext& node) const {
    KILN_RETURN_IF_ERROR(RequireConvVariant(node, {dtype_, TensorFormat::kNHWC}));
    KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ConvolutionParams::FromAttrs(node.attrs));
    KILN_ASSIGN_OR_RETURN(kernels::SmallChannelConvShape s,
                          DirectConvShape<kernels::SmallChannelConvShape>(node, p));
    if (p.group != 1) {
      return absl::UnimplementedError(
          absl::StrCat("group ", p.group, "; this tactic runs group 1 only"));
    }
    s.filters = node.inputs[1].dims[0];
    const char* why = "";
    if (!kernels::SmallChannelConvFits(s, static_cast<int>(DataTypeSize(dtype_)), &why)) {
      return absl::UnimplementedError(absl::StrCat(why, " (", s.channels, " input channels, ",
                                                   s.filters, " filters of ", s.kernel_h, "x",
                                                   s.kernel_w, ")"));
    }
    return s;
  }

  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<SmallChannelConvTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<SmallChannelConvTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
