// cuda DeconvolutionNd: kiln's own N-D kernel (kernels/deconvolution_nd.cu),
// the transposed convolution in gather form (one thread per output element,
// no atomics), fp32 accumulation as in cpu_ref. One tactic per precision.
// The 2-D Deconvolution op keeps the cuDNN tactics; this op serves 3-D and
// higher ConvTranspose (and any k up to kMaxSpatial).
#include "ops/deconvolution_nd.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class DeconvolutionNdKernel : public Kernel {
 public:
  DeconvolutionNdKernel(DeconvolutionNdParams params, bool fp16)
      : params_(std::move(params)), fp16_(fp16) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const Dims& w = args.input_descs[1].dims;
    const Dims& y = args.output_descs[0].dims;
    kernels::DeconvNdShape s;
    const int k = static_cast<int>(x.size()) - 2;
    s.window.rank = k;
    for (int d = 0; d < k; ++d) {
      s.window.in[d] = x[2 + d];
      s.window.out[d] = y[2 + d];
      s.window.kernel[d] = w[2 + d];
      s.window.stride[d] = params_.strides[d];
      s.window.dilation[d] = params_.dilations[d];
      s.window.pad_begin[d] = params_.pads[d];
      s.window.pad_end[d] = params_.pads[k + d];
    }
    s.batch = x[0];
    s.in_channels = x[1];
    s.out_channels = y[1];
    s.group_in = x[1] / params_.group;
    s.group_out = w[1];
    const void* bias = args.inputs.size() > 2 ? args.inputs[2] : nullptr;
    KILN_CUDA_RETURN_IF_ERROR(kernels::DeconvolutionNd(s, fp16_, args.inputs[0], args.inputs[1],
                                                       bias, args.outputs[0],
                                                       ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DeconvolutionNdParams params_;
  bool fp16_;
};

class DeconvolutionNdTactic : public CudaTactic {
 public:
  explicit DeconvolutionNdTactic(DataType dtype)
      : CudaTactic(dtype == DataType::kFloat16 ? "cuda.deconvolution_nd.gather.fp16"
                                               : "cuda.deconvolution_nd.gather.fp32",
                   kDeconvolutionNdOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.size() < 2) return absl::UnimplementedError("needs x and w");
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.has_input(i) && node.inputs[i].dtype != dtype_) {
        return absl::UnimplementedError(absl::StrCat("this tactic is ", DataTypeName(dtype_),
                                                     " only; input ", i, " is ",
                                                     DataTypeName(node.inputs[i].dtype)));
      }
    }
    if (node.inputs[0].rank() - 2 > kernels::kMaxSpatial) {
      return absl::UnimplementedError(absl::StrCat(node.inputs[0].rank() - 2,
                                                   " spatial dims; at most ",
                                                   kernels::kMaxSpatial, " are supported"));
    }
    KILN_ASSIGN_OR_RETURN(DeconvolutionNdParams params,
                          DeconvolutionNdParams::FromAttrs(node.attrs));
    return params.Resolve(node.inputs[0].dims.size() - 2);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<DeconvolutionNdParams> params = DeconvolutionNdParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    absl::Status resolved = params->Resolve(node.inputs[0].dims.size() - 2);
    if (!resolved.ok()) return node.Error(resolved.message());
    return std::unique_ptr<Kernel>(
        std::make_unique<DeconvolutionNdKernel>(*std::move(params), dtype_ == DataType::kFloat16));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DeconvolutionNdTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<DeconvolutionNdTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
