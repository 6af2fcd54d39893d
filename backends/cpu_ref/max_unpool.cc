// cpu_ref MaxUnpool: zero the output, then scatter each input element to
// the position its index names in the inferred (N, C, E1..Ek) tensor, mapped
// into the output (whose spatial dims may be larger).
#include <cstring>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/max_unpool.h"

namespace kiln {
namespace cpu_ref {
namespace {

class MaxUnpoolKernel : public Kernel {
 public:
  // The inferred spatial dims depend only on X's spatial dims, not the batch.
  explicit MaxUnpoolKernel(std::vector<int64_t> inferred) : inferred_(std::move(inferred)) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& x = args.input_descs[0];
    const TensorDesc& out = args.output_descs[0];
    const size_t elem = DataTypeSize(x.dtype);
    const size_t k = inferred_.size();
    int64_t inferred_volume = x.dims[0] * x.dims[1];
    for (int64_t size : inferred_) inferred_volume *= size;
    const auto* in = static_cast<const uint8_t*>(args.inputs[0]);
    const auto* indices = static_cast<const int64_t*>(args.inputs[1]);
    auto* y = static_cast<uint8_t*>(args.outputs[0]);
    std::memset(y, 0, out.bytes());
    for (int64_t e = 0; e < x.volume(); ++e) {
      int64_t index = indices[e];
      if (index < 0 || index >= inferred_volume) continue;
      // Peel the inferred spatial coordinates off, innermost first, and
      // rebuild the offset with the output's spatial dims.
      int64_t offset = 0, out_stride = 1;
      for (size_t i = k; i-- > 0;) {
        offset += (index % inferred_[i]) * out_stride;
        index /= inferred_[i];
        out_stride *= out.dims[2 + i];
      }
      offset += index * out_stride;  // what is left is the (n, c) plane
      std::memcpy(y + offset * elem, in + e * elem, elem);
    }
    return absl::OkStatus();
  }

 private:
  std::vector<int64_t> inferred_;
};

class MaxUnpoolTactic : public Tactic {
 public:
  MaxUnpoolTactic()
      : Tactic(TacticInfo{"cpu_ref.max_unpool.direct", kMaxUnpoolOp, kBackend,
                          /*is_reference=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(MaxUnpoolParams params, MaxUnpoolParams::FromAttrs(node.attrs));
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> inferred,
                          MaxUnpoolInferredSpatial(params, node.inputs[0].dims));
    return std::unique_ptr<Kernel>(std::make_unique<MaxUnpoolKernel>(std::move(inferred)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<MaxUnpoolTactic>());

}  // namespace cpu_ref
}  // namespace kiln
