// cuda PoolingNd and MaxPoolWithIndices: kiln's own N-D window kernel
// (kernels/spatial.cu) with cpu_ref's semantics, which cuDNN's Nd pooling does
// not reproduce (ceil-mode windows past the end padding, -inf / 0 for windows
// that miss the input, NaN propagation, the Indices output). One tactic per
// precision for PoolingNd; MaxPoolWithIndices is fp32 only (the op's type).
#include "ops/pooling_nd.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// The window shape of a run (planes from the run's batch).
kernels::WindowShape ShapeOf(const PoolingNdParams& p, const Dims& x, const Dims& y) {
  kernels::WindowShape s;
  const int k = static_cast<int>(p.kernel.size());
  s.rank = k;
  s.planes = x[0] * x[1];
  for (int d = 0; d < k; ++d) {
    s.in[d] = x[2 + d];
    s.out[d] = y[2 + d];
    s.kernel[d] = p.kernel[d];
    s.stride[d] = p.strides[d];
    s.dilation[d] = p.dilations[d];
    s.pad_begin[d] = p.pads[d];
    s.pad_end[d] = p.pads[k + d];
  }
  return s;
}

class PoolingNdKernel : public Kernel {
 public:
  PoolingNdKernel(PoolingNdParams params, bool fp16, bool with_indices)
      : params_(std::move(params)), fp16_(fp16), with_indices_(with_indices) {}

  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(kernels::PoolingNd(
        ShapeOf(params_, args.input_descs[0].dims, args.output_descs[0].dims), params_.average,
        params_.count_include_pad, params_.column_major_indices, fp16_, args.inputs[0],
        args.outputs[0], with_indices_ ? static_cast<int64_t*>(args.outputs[1]) : nullptr,
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  PoolingNdParams params_;
  bool fp16_;
  bool with_indices_;
};

class PoolingNdTactic : public CudaTactic {
 public:
  // `with_indices`: the MaxPoolWithIndices op (fp32, two outputs).
  PoolingNdTactic(DataType dtype, bool with_indices)
      : CudaTactic(with_indices                  ? "cuda.max_pool_with_indices.kernel.fp32"
                   : dtype == DataType::kFloat16 ? "cuda.pooling_nd.kernel.fp16"
                                                 : "cuda.pooling_nd.kernel.fp32",
                   with_indices ? kMaxPoolWithIndicesOp : kPoolingNdOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true),
        dtype_(dtype),
        with_indices_(with_indices) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.empty() || node.inputs[0].dtype != dtype_ ||
        node.outputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("this tactic is ", DataTypeName(dtype_),
                                                   " only; input is ",
                                                   DataTypeName(node.inputs[0].dtype)));
    }
    KILN_ASSIGN_OR_RETURN(PoolingNdParams params, PoolingNdParams::FromAttrs(node.attrs));
    if (params.kernel.size() > static_cast<size_t>(kernels::kMaxSpatial)) {
      return absl::UnimplementedError(absl::StrCat(params.kernel.size(),
                                                   " spatial dims; at most ",
                                                   kernels::kMaxSpatial, " are supported"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<PoolingNdParams> params = PoolingNdParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<PoolingNdKernel>(
        *std::move(params), dtype_ == DataType::kFloat16, with_indices_));
  }

 private:
  DataType dtype_;
  bool with_indices_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<PoolingNdTactic>(DataType::kFloat32, false));
KILN_REGISTER_TACTIC(std::make_unique<PoolingNdTactic>(DataType::kFloat16, false));
KILN_REGISTER_TACTIC(std::make_unique<PoolingNdTactic>(DataType::kFloat32, true));

}  // namespace cuda
}  // namespace kiln
