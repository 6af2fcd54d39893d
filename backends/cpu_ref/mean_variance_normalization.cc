// cpu_ref MeanVarianceNormalization: the dims split into kept and reduced
// ones; for each kept index, two passes (mean, then squared deviations) over
// the reduced ones in double, then the normalizing pass.
#include <cmath>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/mean_variance_normalization.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Row-major increment of `index` within `limits`; false after the last.
bool Advance(SmallDims& index, const SmallDims& limits) {
  for (size_t i = index.size(); i-- > 0;) {
    if (++index[i] < limits[i]) return true;
    index[i] = 0;
  }
  return false;
}

int64_t Offset(const SmallDims& index, const SmallDims& strides) {
  int64_t offset = 0;
  for (size_t i = 0; i < index.size(); ++i) offset += index[i] * strides[i];
  return offset;
}

class MeanVarianceNormalizationKernel : public Fp32Kernel {
 public:
  explicit MeanVarianceNormalizationKernel(MeanVarianceNormalizationParams params)
      : params_(std::move(params)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(dims.size());
    SmallDims reduced_axis(rank, 0);
    for (int64_t a : params_.axes) reduced_axis[a < 0 ? a + rank : a] = 1;
    SmallDims kept_dims, kept_strides, red_dims, red_strides;
    int64_t stride = 1, count = 1;
    SmallDims strides(rank, 1);
    for (int64_t d = rank - 1; d >= 0; --d) {
      strides[d] = stride;
      stride *= dims[d];
    }
    for (int64_t d = 0; d < rank; ++d) {
      if (reduced_axis[d]) {
        red_dims.push_back(dims[d]);
        red_strides.push_back(strides[d]);
        count *= dims[d];
      } else {
        kept_dims.push_back(dims[d]);
        kept_strides.push_back(strides[d]);
      }
    }
    if (args.output_descs[0].volume() == 0) return absl::OkStatus();
    const auto* x = static_cast<const float*>(args.inputs[0]);
    auto* y = static_cast<float*>(args.outputs[0]);
    SmallDims kept(kept_dims.size(), 0), red(red_dims.size(), 0);
    do {
      const int64_t base = Offset(kept, kept_strides);
      double sum = 0.0;
      do {
        sum += x[base + Offset(red, red_strides)];
      } while (Advance(red, red_dims));
      const double mean = sum / count;
      double sq = 0.0;
      do {
        const double dev = x[base + Offset(red, red_strides)] - mean;
        sq += dev * dev;
      } while (Advance(red, red_dims));
      const double denom = std::sqrt(sq / count) + 1e-9;
      do {
        const int64_t at = base + Offset(red, red_strides);
        y[at] = static_cast<float>((x[at] - mean) / denom);
      } while (Advance(red, red_dims));
    } while (Advance(kept, kept_dims));
    return absl::OkStatus();
  }

 private:
  MeanVarianceNormalizationParams params_;
};

class MeanVarianceNormalizationTactic : public Fp32Tactic {
 public:
  MeanVarianceNormalizationTactic()
      : Fp32Tactic("cpu_ref.mean_variance_normalization.direct", kMeanVarianceNormalizationOp,
                   /*is_reference=*/true, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(MeanVarianceNormalizationParams params,
                          MeanVarianceNormalizationParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(
        std::make_unique<MeanVarianceNormalizationKernel>(std::move(params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<MeanVarianceNormalizationTactic>());

}  // namespace cpu_ref
}  // namespace kiln
