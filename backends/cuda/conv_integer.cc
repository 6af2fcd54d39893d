// cuda ConvInteger: kiln's own direct int32 kernel
// (kernels/integer_conv_matmul.cu), bit-exact with cpu_ref (sums wrap modulo
// 2^32, so their order does not matter). cuDNN has no int32 x int32 -> int32
// convolution with these semantics.
#include "ops/conv_integer.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class ConvIntegerKernel : public Kernel {
 public:
  explicit ConvIntegerKernel(const ConvIntegerParams& params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const Dims& w = args.input_descs[1].dims;
    const Dims& y = args.output_descs[0].dims;
    kernels::ConvIntegerShape s;
    s.batch = x[0];
    s.in_channels = x[1];
    s.height = x[2];
    s.width = x[3];
    s.out_channels = w[0];
    s.group_channels = w[1];
    s.kernel_h = w[2];
    s.kernel_w = w[3];
    s.out_h = y[2];
    s.out_w = y[3];
    s.group = params_.group;
    s.stride_h = params_.strides[0];
    s.stride_w = params_.strides[1];
    s.dilation_h = params_.dilations[0];
    s.dilation_w = params_.dilations[1];
    s.pad_top = params_.pads[0];
    s.pad_left = params_.pads[1];
    KILN_CUDA_RETURN_IF_ERROR(kernels::ConvInteger(
        s, static_cast<const int32_t*>(args.inputs[0]), static_cast<const int32_t*>(args.inputs[1]),
        static_cast<int32_t*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  ConvIntegerParams params_;
};

class ConvIntegerTactic : public CudaTactic {
 public:
  ConvIntegerTactic()
      : CudaTactic("cuda.conv_integer.direct.int32", kConvIntegerOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.size() < 2) return absl::UnimplementedError("needs x and w");
    for (const TensorDesc* t : {&node.inputs[0], &node.inputs[1], &node.outputs[0]}) {
      if (t->dtype != DataType::kInt32 || t->rank() != 4) {
        return absl::UnimplementedError(absl::StrCat("'", t->name, "' is ",
                                                     DataTypeName(t->dtype), " ",
                                                     DimsString(t->dims),
                                                     "; this tactic takes 4-D int32 tensors"));
      }
    }
    return ConvIntegerParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ConvIntegerParams> params = ConvIntegerParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<ConvIntegerKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ConvIntegerTactic>());

}  // namespace cuda
}  // namespace kiln
