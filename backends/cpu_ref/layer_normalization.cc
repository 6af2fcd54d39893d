// cpu_ref LayerNormalization: two passes per row (mean, then variance of the
// centred values), accumulated in double, as ONNX's reference computes them.
#include <cmath>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/layer_normalization.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Offset into a Scale/B tensor of `param_dims` (right-aligned, broadcast
// along its size-1 dims) for flat index `j` of the normalized dims `norm`.
int64_t BroadcastOffset(int64_t j, const SmallDims& norm, const Dims& param_dims) {
  int64_t offset = 0, stride = 1;
  const int64_t param_rank = static_cast<int64_t>(param_dims.size());
  for (int64_t i = 0; i < static_cast<int64_t>(norm.size()); ++i) {
    const int64_t d = static_cast<int64_t>(norm.size()) - 1 - i;
    const int64_t index = j % norm[d];
    j /= norm[d];
    if (i < param_rank) {
      const int64_t size = param_dims[param_rank - 1 - i];
      if (size != 1) offset += index * stride;
      stride *= size;
    }
  }
  return offset;
}

class LayerNormalizationKernel : public Fp32Kernel {
 public:
  explicit LayerNormalizationKernel(LayerNormalizationParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& x_dims = args.input_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(x_dims.size());
    const int64_t axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
    SmallDims norm(x_dims.begin() + axis, x_dims.end());
    int64_t rows = 1, row_size = 1;
    for (int64_t d = 0; d < axis; ++d) rows *= x_dims[d];
    for (int64_t d : norm) row_size *= d;
    const auto* x = static_cast<const float*>(args.inputs[0]);
    const auto* scale = static_cast<const float*>(args.inputs[1]);
    const bool has_bias = args.inputs.size() > 2 && args.inputs[2] != nullptr;
    const auto* bias = has_bias ? static_cast<const float*>(args.inputs[2]) : nullptr;
    const Dims& scale_dims = args.input_descs[1].dims;
    const Dims* bias_dims = has_bias ? &args.input_descs[2].dims : nullptr;
    // Skip-LayerNorm: the row is X + Skip, summed in fp32 as it is read.
    const bool has_skip = args.inputs.size() > 3 && args.inputs[3] != nullptr;
    const auto* skip = has_skip ? static_cast<const float*>(args.inputs[3]) : nullptr;
    auto* y = static_cast<float*>(args.outputs[0]);
    auto* mean_out = static_cast<float*>(args.outputs[1]);
    auto* inv_std_out = static_cast<float*>(args.outputs[2]);

    for (int64_t row = 0; row < rows; ++row) {
      const float* in = x + row * row_size;
      const float* skip_row = has_skip ? skip + row * row_size : nullptr;
      auto at = [&](int64_t j) { return has_skip ? in[j] + skip_row[j] : in[j]; };
      float* out = y + row * row_size;
      double sum = 0.0;
      for (int64_t j = 0; j < row_size; ++j) sum += at(j);
      const double mean = row_size > 0 ? sum / row_size : 0.0;
      double sq = 0.0;
      for (int64_t j = 0; j < row_size; ++j) sq += (at(j) - mean) * (at(j) - mean);
      const double var = row_size > 0 ? sq / row_size : 0.0;
      const double inv_std = 1.0 / std::sqrt(var + params_.epsilon);
      for (int64_t j = 0; j < row_size; ++j) {
        double v = (at(j) - mean) * inv_std * scale[BroadcastOffset(j, norm, scale_dims)];
        if (has_bias) v += bias[BroadcastOffset(j, norm, *bias_dims)];
        out[j] = static_cast<float>(v);
      }
      mean_out[row] = static_cast<float>(mean);
      inv_std_out[row] = static_cast<float>(inv_std);
    }
    return absl::OkStatus();
  }

 private:
  LayerNormalizationParams params_;
};

class LayerNormalizationTactic : public Fp32Tactic {
 public:
  LayerNormalizationTactic()
      : Fp32Tactic("cpu_ref.layer_normalization.direct", kLayerNormalizationOp,
                   /*is_reference=*/true, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(LayerNormalizationParams params,
                          LayerNormalizationParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<LayerNormalizationKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LayerNormalizationTactic>());

}  // namespace cpu_ref
}  // namespace kiln
