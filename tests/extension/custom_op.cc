// An op and tactic defined outside kiln's own packages, the way a user's
// library adds them: registration beside the code, nothing else to edit.
// y = x * x + offset, on any fp32 tensor.
#include <memory>

#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace user {
namespace {

using kiln::InferenceContext;
using kiln::Kernel;
using kiln::KernelArgs;
using kiln::NodeContext;
using kiln::TensorDesc;

absl::StatusOr<std::vector<TensorDesc>> InferSquarePlusOffset(const InferenceContext& ctx) {
  if (ctx.inputs[0].dtype != kiln::DataType::kFloat32) {
    return ctx.Error("takes fp32, got ", kiln::DataTypeName(ctx.inputs[0].dtype));
  }
  KILN_ASSIGN_OR_RETURN(float offset, ctx.attrs.GetFloat("offset", 0.0f));
  (void)offset;
  return std::vector<TensorDesc>{ctx.inputs[0]};
}

class SquarePlusOffsetKernel : public Kernel {
 public:
  explicit SquarePlusOffsetKernel(float offset) : offset_(offset) {}
  absl::Status Run(const KernelArgs& args) const override {
    const auto* x = static_cast<const float*>(args.inputs[0]);
    auto* y = static_cast<float*>(args.outputs[0]);
    for (int64_t i = 0; i < args.output_descs[0].volume(); ++i) y[i] = x[i] * x[i] + offset_;
    return absl::OkStatus();
  }

 private:
  float offset_;
};

class SquarePlusOffsetTactic : public kiln::Tactic {
 public:
  SquarePlusOffsetTactic()
      : Tactic(kiln::TacticInfo{"user.square_plus_offset", "UserSquarePlusOffset", "cpu_ref",
                                /*is_reference=*/true}) {}
  absl::Status Supports(const NodeContext&) const override { return absl::OkStatus(); }
  // The offset travels in the plan as tactic state, to show state round-trips.
  absl::StatusOr<std::vector<uint8_t>> PrepareState(const NodeContext& node) const override {
    KILN_ASSIGN_OR_RETURN(float offset, node.attrs.GetFloat("offset", 0.0f));
    std::vector<uint8_t> state(sizeof(float));
    std::memcpy(state.data(), &offset, sizeof(float));
    return state;
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state) const override {
    if (state.size() != sizeof(float)) return node.Error("tactic state has the wrong size");
    float offset;
    std::memcpy(&offset, state.data(), sizeof(float));
    return std::unique_ptr<Kernel>(std::make_unique<SquarePlusOffsetKernel>(offset));
  }
};

}  // namespace

KILN_REGISTER_OP(kiln::OpSchema{"UserSquarePlusOffset", 1, 1, 1, InferSquarePlusOffset});
KILN_REGISTER_TACTIC(std::make_unique<SquarePlusOffsetTactic>());

}  // namespace user
