// cpu_ref Identity: one memcpy, so every dtype is copied bit-exactly (NaN
// payloads, -0.0 and all).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "ops/identity.h"

namespace kiln {
namespace cpu_ref {
namespace {

class IdentityKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const size_t bytes = args.output_descs[0].bytes();
    // A view (RunsAsView) when the builder gave both one address.
    if (bytes > 0 && args.outputs[0] != args.inputs[0]) {
      std::memcpy(args.outputs[0], args.inputs[0], bytes);
    }
    return absl::OkStatus();
  }
};

class IdentityTactic : public Tactic {
 public:
  IdentityTactic()
      : Tactic(TacticInfo{"cpu_ref.identity.direct", kIdentityOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  // A byte copy is right for any layout, as long as both sides share it.
  absl::Status Supports(const NodeContext& node) const override {
    if (node.inputs[0].format != node.outputs[0].format) {
      return absl::UnimplementedError(absl::StrCat(
          "input is ", TensorFormatName(node.inputs[0].format), " but output is ",
          TensorFormatName(node.outputs[0].format),
          "; cpu_ref.identity.direct copies bytes and cannot change the layout"));
    }
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError(absl::StrCat(
          "input is ", DataTypeName(node.inputs[0].dtype), " but output is ",
          DataTypeName(node.outputs[0].dtype),
          "; cpu_ref.identity.direct copies bytes and cannot convert (use Cast)"));
    }
    return absl::OkStatus();
  }

  bool RunsAsView(const NodeContext&) const override { return true; }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<IdentityKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<IdentityTactic>());

}  // namespace cpu_ref
}  // namespace kiln
