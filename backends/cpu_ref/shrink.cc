// cpu_ref Shrink: one plain elementwise loop.
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/shrink.h"

namespace kiln {
namespace cpu_ref {
namespace {

class ShrinkKernel : public Fp32Kernel {
 public:
  explicit ShrinkKernel(ShrinkParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    const int64_t n = args.output_descs[0].volume();
    for (int64_t i = 0; i < n; ++i) {
      const float x = in[i];
      out[i] =
          x < -params_.lambd ? x + params_.bias : (x > params_.lambd ? x - params_.bias : 0.0f);
    }
    return absl::OkStatus();
  }

 private:
  ShrinkParams params_;
};

class ShrinkTactic : public Fp32Tactic {
 public:
  ShrinkTactic()
      : Fp32Tactic("cpu_ref.shrink.direct", kShrinkOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ShrinkParams> params = ShrinkParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<ShrinkKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ShrinkTactic>());

}  // namespace cpu_ref
}  // namespace kiln
