// cpu_ref Reformat: graph/reformat.h's host conversion, the reference for
// every backend's reformat tactic.
#include "ops/reformat.h"

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/reformat.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

class ReformatKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    if (args.output_descs[0].volume() == 0) return absl::OkStatus();
    ReformatHost(args.input_descs[0], args.inputs[0], args.output_descs[0], args.outputs[0]);
    return absl::OkStatus();
  }
};

class ReformatTactic : public Tactic {
 public:
  ReformatTactic()
      : Tactic(TacticInfo{"cpu_ref.reformat.direct", kReformatOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/true, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(ReformatParams::FromAttrs(node.attrs).status());
    return CheckReformat(node.inputs[0], node.outputs[0].dtype, node.outputs[0].format);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<ReformatKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ReformatTactic>());

}  // namespace cpu_ref
}  // namespace kiln
