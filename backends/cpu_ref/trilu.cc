// cpu_ref Trilu: per matrix row, copies the kept columns and zero-fills the
// rest (all-zero bytes are 0 in every dtype: +0.0, false, integer 0).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/trilu.h"

namespace kiln {
namespace cpu_ref {
namespace {

class TriluKernel : public Kernel {
 public:
  explicit TriluKernel(TriluParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in_desc = args.input_descs[0];
    const int64_t rows = in_desc.dims[in_desc.rank() - 2];
    const int64_t cols = in_desc.dims[in_desc.rank() - 1];
    const int64_t matrices = rows * cols == 0 ? 0 : in_desc.volume() / (rows * cols);
    const size_t elem = DataTypeSize(in_desc.dtype);
    const auto* in = static_cast<const uint8_t*>(args.inputs[0]);
    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    for (int64_t m = 0; m < matrices; ++m) {
      for (int64_t row = 0; row < rows; ++row) {
        // Kept columns: [row + k, cols) for upper, [0, row + k] for lower.
        const int64_t begin = params_.upper ? std::clamp<int64_t>(row + params_.k, 0, cols) : 0;
        const int64_t end =
            params_.upper ? cols : std::clamp<int64_t>(row + params_.k + 1, 0, cols);
        const size_t offset = (m * rows + row) * cols * elem;
        std::memset(out + offset, 0, cols * elem);
        if (end > begin) {
          std::memcpy(out + offset + begin * elem, in + offset + begin * elem,
                      (end - begin) * elem);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  TriluParams params_;
};

class TriluTactic : public Tactic {
 public:
  TriluTactic()
      : Tactic(TacticInfo{"cpu_ref.trilu.direct", kTriluOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<TriluParams> params = TriluParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<TriluKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<TriluTactic>());

}  // namespace cpu_ref
}  // namespace kiln
