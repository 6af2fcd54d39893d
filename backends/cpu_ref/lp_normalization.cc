// cpu_ref LpNormalization: the tensor is viewed as (outer, axis, inner); each
// (outer, inner) line along the axis is normalized, inner index innermost so
// the reads stay contiguous.
#include <cmath>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/lp_normalization.h"

namespace kiln {
namespace cpu_ref {
namespace {

class LpNormalizationKernel : public Fp32Kernel {
 public:
  explicit LpNormalizationKernel(LpNormalizationParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(dims.size());
    const int64_t axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= dims[d];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= dims[d];
    const int64_t length = dims[axis];
    const auto* x = static_cast<const float*>(args.inputs[0]);
    auto* y = static_cast<float*>(args.outputs[0]);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = o * length * inner + i;
        double norm = 0.0;
        for (int64_t a = 0; a < length; ++a) {
          const double v = x[base + a * inner];
          norm += params_.p == 1 ? std::fabs(v) : v * v;
        }
        if (params_.p == 2) norm = std::sqrt(norm);
        for (int64_t a = 0; a < length; ++a) {
          y[base + a * inner] = norm == 0.0 ? 0.0f : static_cast<float>(x[base + a * inner] / norm);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  LpNormalizationParams params_;
};

class LpNormalizationTactic : public Fp32Tactic {
 public:
  LpNormalizationTactic()
      : Fp32Tactic("cpu_ref.lp_normalization.direct", kLpNormalizationOp,
                   /*is_reference=*/true, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(LpNormalizationParams params,
                          LpNormalizationParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<LpNormalizationKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LpNormalizationTactic>());

}  // namespace cpu_ref
}  // namespace kiln
