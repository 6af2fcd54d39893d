// cpu_ref Expand: a strided copy whose strides are 0 along broadcast dims.
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/expand.h"

namespace kiln {
namespace cpu_ref {
namespace {

class ExpandKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& in_dims = args.input_descs[0].dims;
    const Dims& out_dims = args.output_descs[0].dims;
    const SmallDims strides = BroadcastStrides(in_dims, out_dims);
    StridedCopy(args.inputs[0], DataTypeSize(args.input_descs[0].dtype),
                SmallDims(out_dims.begin(), out_dims.end()), strides, args.outputs[0]);
    return absl::OkStatus();
  }
};

class ExpandTactic : public Tactic {
 public:
  ExpandTactic()
      : Tactic(TacticInfo{"cpu_ref.expand.direct", kExpandOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<ExpandKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ExpandTactic>());

}  // namespace cpu_ref
}  // namespace kiln
