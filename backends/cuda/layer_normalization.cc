// cuda LayerNormalization: one block per row, mean and variance in double
// with block reductions, two passes (kernels/norm.cu), cpu_ref's formula
// (x - mean) * (1 / sqrt(var + epsilon)) * scale + bias with Scale and B
// broadcast over the normalized dims; fp32 and fp16 X (rounded once at Y;
// Mean and InvStdDev are fp32 either way).
#include "ops/layer_normalization.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/norm.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class LayerNormalizationKernel : public Kernel {
 public:
  LayerNormalizationKernel(DataType dtype, LayerNormalizationParams params)
      : dtype_(dtype), params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x_dims = args.input_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(x_dims.size());
    const int64_t axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
    const Dims norm(x_dims.begin() + axis, x_dims.end());
    kernels::LayerNormShape shape;
    shape.rows = 1;
    shape.row_size = 1;
    for (int64_t d = 0; d < axis; ++d) shape.rows *= x_dims[d];
    shape.norm_rank = static_cast<int>(norm.size());
    for (int d = 0; d < shape.norm_rank; ++d) {
      shape.norm_dims[d] = norm[d];
      shape.row_size *= norm[d];
    }
    kernels::RightAlignedStrides(args.input_descs[1].dims, norm, shape.scale_strides);
    const bool has_bias = args.inputs.size() > 2 && args.inputs[2] != nullptr;
    if (has_bias) kernels::RightAlignedStrides(args.input_descs[2].dims, norm, shape.bias_strides);
    const bool has_skip = args.inputs.size() > 3 && args.inputs[3] != nullptr;
    KILN_CUDA_RETURN_IF_ERROR(kernels::LayerNorm(
        static_cast<int>(dtype_), shape, params_.epsilon, args.inputs[0],
        has_skip ? args.inputs[3] : nullptr, args.inputs[1], has_bias ? args.inputs[2] : nullptr,
        args.outputs[0], static_cast<float*>(args.outputs[1]), static_cast<float*>(args.outputs[2]),
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  LayerNormalizationParams params_;
};

class LayerNormalizationTactic : public CudaTactic {
 public:
  explicit LayerNormalizationTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.layer_normalization.kernel.", DataTypeName(dtype)),
                   kLayerNormalizationOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    KILN_ASSIGN_OR_RETURN(LayerNormalizationParams params,
                          LayerNormalizationParams::FromAttrs(node.attrs));
    const int64_t rank = node.inputs[0].rank();
    if (params.axis < -rank || params.axis >= rank) {
      return absl::InvalidArgumentError(
          absl::StrCat("axis ", params.axis, " is out of range for rank ", rank));
    }
    const int64_t axis = params.axis < 0 ? params.axis + rank : params.axis;
    if (rank - axis > kernels::kMaxRank) {
      return absl::UnimplementedError(absl::StrCat("normalizes ", rank - axis,
                                                   " dims; the kernel takes at most ",
                                                   kernels::kMaxRank));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(LayerNormalizationParams params,
                          LayerNormalizationParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<LayerNormalizationKernel>(dtype_, params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LayerNormalizationTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<LayerNormalizationTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
