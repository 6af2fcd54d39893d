// cpu_ref Celu: one plain elementwise loop.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/celu.h"

namespace kiln {
namespace cpu_ref {
namespace {

class CeluKernel : public Fp32Kernel {
 public:
  explicit CeluKernel(CeluParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    const int64_t n = args.output_descs[0].volume();
    for (int64_t i = 0; i < n; ++i) {
      const float x = in[i];
      const float alpha = params_.alpha;
      out[i] = std::max(0.0f, x) + std::min(0.0f, alpha * std::expm1(x / alpha));
    }
    return absl::OkStatus();
  }

 private:
  CeluParams params_;
};

class CeluTactic : public Fp32Tactic {
 public:
  CeluTactic()
      : Fp32Tactic("cpu_ref.celu.direct", kCeluOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<CeluParams> params = CeluParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<CeluKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<CeluTactic>());

}  // namespace cpu_ref
}  // namespace kiln
