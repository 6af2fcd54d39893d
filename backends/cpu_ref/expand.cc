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
    const size_t rank = out_dims.size();
    const size_t shift = rank - in_dims.size();
    SmallDims strides(rank, 0);
    int64_t stride = 1;
    for (size_t d = rank; d-- > shift;) {
      const int64_t size = in_dims[d - shift];
      strides[d] = size == 1 ? 0 : stride;
      stride *= size;
    }
    StridedCopy(args.inputs[0], DataTypeSize(args.input_descs[0].dtype),
                SmallDims(out_dims.begin(), out_dims.end()), strides, args.outputs[0]);
    return absl::OkStatus();
  }
};

class ExpandTactic : public Tactic {
 public:
  ExpandTactic()
      : Tactic(TacticInfo{"cpu_ref.expand.direct", kExpandOp, kBackend, /*is_reference=*/true}) {}

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
