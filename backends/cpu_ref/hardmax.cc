// cpu_ref Hardmax: per run along the axis, find the first maximum, then
// write the one-hot row.
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/hardmax.h"

namespace kiln {
namespace cpu_ref {
namespace {

class HardmaxKernel : public Fp32Kernel {
 public:
  explicit HardmaxKernel(int64_t axis) : axis_(axis) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    int64_t outer = 1;
    for (int64_t d = 0; d < axis_; ++d) outer *= dims[d];
    int64_t inner = 1;
    for (size_t d = axis_ + 1; d < dims.size(); ++d) inner *= dims[d];
    const int64_t n = dims[axis_];
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    for (int64_t outer_index = 0; outer_index < outer; ++outer_index) {
      for (int64_t inner_index = 0; inner_index < inner; ++inner_index) {
        const int64_t base = outer_index * n * inner + inner_index;
        int64_t best = 0;
        for (int64_t k = 1; k < n; ++k) {
          if (in[base + k * inner] > in[base + best * inner]) best = k;
        }
        for (int64_t k = 0; k < n; ++k) out[base + k * inner] = k == best ? 1.0f : 0.0f;
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t axis_;  // non-negative
};

class HardmaxTactic : public Fp32Tactic {
 public:
  HardmaxTactic()
      : Fp32Tactic("cpu_ref.hardmax.direct", kHardmaxOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<HardmaxParams> params = HardmaxParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (params->axis < -rank || params->axis >= rank) {
      return node.Error("axis ", params->axis, " is out of range for rank ", rank);
    }
    const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
    return std::unique_ptr<Kernel>(std::make_unique<HardmaxKernel>(axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<HardmaxTactic>());

}  // namespace cpu_ref
}  // namespace kiln
