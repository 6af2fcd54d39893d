// cpu_ref InstanceNormalization: per (n, c) plane, mean then variance of the
// centred values (two passes, double accumulation), then one affine pass.
#include <cmath>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/instance_normalization.h"

namespace kiln {
namespace cpu_ref {
namespace {

class InstanceNormalizationKernel : public Fp32Kernel {
 public:
  explicit InstanceNormalizationKernel(InstanceNormalizationParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    const int64_t batch = dims[0], channels = dims[1];
    int64_t plane = 1;
    for (size_t d = 2; d < dims.size(); ++d) plane *= dims[d];
    const auto* x = static_cast<const float*>(args.inputs[0]);
    const auto* scale = static_cast<const float*>(args.inputs[1]);
    const auto* bias = static_cast<const float*>(args.inputs[2]);
    auto* y = static_cast<float*>(args.outputs[0]);
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t c = 0; c < channels; ++c) {
        const int64_t base = (n * channels + c) * plane;
        double sum = 0.0;
        for (int64_t i = 0; i < plane; ++i) sum += x[base + i];
        const double mean = plane > 0 ? sum / plane : 0.0;
        double sq = 0.0;
        for (int64_t i = 0; i < plane; ++i) sq += (x[base + i] - mean) * (x[base + i] - mean);
        const double var = plane > 0 ? sq / plane : 0.0;
        const double mul = scale[c] / std::sqrt(var + params_.epsilon);
        for (int64_t i = 0; i < plane; ++i) {
          y[base + i] = static_cast<float>((x[base + i] - mean) * mul + bias[c]);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  InstanceNormalizationParams params_;
};

class InstanceNormalizationTactic : public Fp32Tactic {
 public:
  InstanceNormalizationTactic()
      : Fp32Tactic("cpu_ref.instance_normalization.direct", kInstanceNormalizationOp,
                   /*is_reference=*/true, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(InstanceNormalizationParams params,
                          InstanceNormalizationParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<InstanceNormalizationKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<InstanceNormalizationTactic>());

}  // namespace cpu_ref
}  // namespace kiln
