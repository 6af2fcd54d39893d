// cpu_ref Concatenation: for each slab above the axis, copy each input's
// contiguous run in turn. Byte copies, so any dtype is moved bit-exactly.
#include <cstring>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/concatenation.h"

namespace kiln {
namespace cpu_ref {
namespace {

class ConcatenationKernel : public Kernel {
 public:
  explicit ConcatenationKernel(int64_t axis) : axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& out_desc = args.output_descs[0];
    const size_t elem_size = DataTypeSize(out_desc.dtype);
    // Rows above the axis ("outer") and elements below it ("inner") are the
    // same for every input; only the size along the axis differs.
    int64_t outer = 1;
    for (int64_t d = 0; d < axis_; ++d) outer *= out_desc.dims[d];
    int64_t inner = 1;
    for (int64_t d = axis_ + 1; d < out_desc.rank(); ++d) inner *= out_desc.dims[d];

    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    for (int64_t outer_index = 0; outer_index < outer; ++outer_index) {
      for (size_t i = 0; i < args.inputs.size(); ++i) {
        const size_t run_bytes = args.input_descs[i].dims[axis_] * inner * elem_size;
        if (run_bytes == 0) continue;
        const auto* in = static_cast<const uint8_t*>(args.inputs[i]);
        std::memcpy(out, in + outer_index * run_bytes, run_bytes);
        out += run_bytes;
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t axis_;  // non-negative
};

class ConcatenationTactic : public Tactic {
 public:
  ConcatenationTactic()
      : Tactic(TacticInfo{"cpu_ref.concatenation.direct", kConcatenationOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ConcatenationParams params, ConcatenationParams::FromAttrs(node.attrs));
    absl::StatusOr<int64_t> axis = NormalizeConcatenationAxis(params.axis, node.outputs[0].rank());
    if (!axis.ok()) return node.Error(axis.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<ConcatenationKernel>(*axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ConcatenationTactic>());

}  // namespace cpu_ref
}  // namespace kiln
