// cpu_ref PRelu: a broadcasting loop over x reading the matching slope.
#include <array>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/prelu.h"

namespace kiln {
namespace cpu_ref {
namespace {

class PReluKernel : public Fp32Kernel {
 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& out_dims = args.output_descs[0].dims;
    const std::array<SmallDims, 1> strides = {BroadcastStrides(args.input_descs[1].dims, out_dims)};
    const auto* x = static_cast<const float*>(args.inputs[0]);
    const auto* slope = static_cast<const float*>(args.inputs[1]);
    auto* out = static_cast<float*>(args.outputs[0]);
    ForEachBroadcast(out_dims, strides, [&](int64_t i, const std::array<int64_t, 1>& at) {
      out[i] = x[i] < 0.0f ? slope[at[0]] * x[i] : x[i];
    });
    return absl::OkStatus();
  }
};

class PReluTactic : public Fp32Tactic {
 public:
  PReluTactic()
      : Fp32Tactic("cpu_ref.prelu.direct", kPReluOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<PReluKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<PReluTactic>());

}  // namespace cpu_ref
}  // namespace kiln
