// cpu_ref ReverseSequence: the input viewed as (d0, d1, inner) with batch
// and time on d0/d1; each (batch, time) row of `inner` elements is copied
// whole, from the mirrored time step when it lies in the reversed prefix.
#include <algorithm>
#include <cstring>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/reverse_sequence.h"

namespace kiln {
namespace cpu_ref {
namespace {

class ReverseSequenceKernel : public Kernel {
 public:
  explicit ReverseSequenceKernel(ReverseSequenceParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    int64_t inner = 1;
    for (size_t d = 2; d < dims.size(); ++d) inner *= dims[d];
    const size_t row_bytes = inner * DataTypeSize(args.input_descs[0].dtype);
    const int64_t batch = dims[params_.batch_axis], steps = dims[params_.time_axis];
    const bool lens64 = args.input_descs[1].dtype == DataType::kInt64;
    const auto* in = static_cast<const uint8_t*>(args.inputs[0]);
    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    auto row = [&](int64_t b, int64_t t) {
      return params_.batch_axis == 0 ? b * dims[1] + t : t * dims[1] + b;
    };
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t raw = lens64 ? static_cast<const int64_t*>(args.inputs[1])[b]
                                 : static_cast<const int32_t*>(args.inputs[1])[b];
      const int64_t length = std::clamp<int64_t>(raw, 0, steps);
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t from = t < length ? length - 1 - t : t;
        std::memcpy(out + row(b, t) * row_bytes, in + row(b, from) * row_bytes, row_bytes);
      }
    }
    return absl::OkStatus();
  }

 private:
  ReverseSequenceParams params_;
};

class ReverseSequenceTactic : public Tactic {
 public:
  ReverseSequenceTactic()
      : Tactic(TacticInfo{"cpu_ref.reverse_sequence.direct", kReverseSequenceOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ReverseSequenceParams params,
                          ReverseSequenceParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<ReverseSequenceKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ReverseSequenceTactic>());

}  // namespace cpu_ref
}  // namespace kiln
