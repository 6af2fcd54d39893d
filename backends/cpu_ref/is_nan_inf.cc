// cpu_ref IsNanInf: one elementwise loop; fp16 inputs are staged to fp32 by
// Fp32Kernel (which keeps NaN and inf), the bool output is written directly.
#include <cmath>
#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/is_nan_inf.h"

namespace kiln {
namespace cpu_ref {
namespace {

class IsNanInfKernel : public Fp32Kernel {
 public:
  explicit IsNanInfKernel(IsNanInfParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    const int64_t n = args.output_descs[0].volume();
    for (int64_t i = 0; i < n; ++i) {
      const float x = in[i];
      bool hit;
      if (!params_.inf) {
        hit = std::isnan(x);
      } else {
        hit = std::isinf(x) && (x > 0 ? params_.detect_positive : params_.detect_negative);
      }
      out[i] = hit ? 1 : 0;
    }
    return absl::OkStatus();
  }

 private:
  IsNanInfParams params_;
};

class IsNanInfTactic : public Fp32Tactic {
 public:
  IsNanInfTactic()
      : Fp32Tactic("cpu_ref.is_nan_inf.direct", kIsNanInfOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    if (!IsFloatType(node.inputs[0].dtype)) {
      return absl::UnimplementedError(absl::StrCat(
          "input 0 is ", DataTypeName(node.inputs[0].dtype), "; this tactic takes fp32 or fp16"));
    }
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<IsNanInfParams> params = IsNanInfParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<IsNanInfKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<IsNanInfTactic>());

}  // namespace cpu_ref
}  // namespace kiln
