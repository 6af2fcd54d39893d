// cpu_ref Logical: bools are bytes, read as nonzero = true, written as 0/1.
#include <array>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/logical.h"

namespace kiln {
namespace cpu_ref {
namespace {

class LogicalKernel : public Kernel {
 public:
  explicit LogicalKernel(LogicalOp op) : op_(op) {}

  absl::Status Run(const KernelArgs& args) const override {
    const auto* a = static_cast<const uint8_t*>(args.inputs[0]);
    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    if (op_ == LogicalOp::kNot) {
      const int64_t n = args.output_descs[0].volume();
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] == 0 ? 1 : 0;
      return absl::OkStatus();
    }
    const auto* b = static_cast<const uint8_t*>(args.inputs[1]);
    const Dims& out_dims = args.output_descs[0].dims;
    const std::array<SmallDims, 2> strides = {BroadcastStrides(args.input_descs[0].dims, out_dims),
                                              BroadcastStrides(args.input_descs[1].dims, out_dims)};
    const LogicalOp op = op_;
    ForEachBroadcast(out_dims, strides, [&](int64_t i, const std::array<int64_t, 2>& at) {
      const bool x = a[at[0]] != 0;
      const bool y = b[at[1]] != 0;
      bool r = false;
      switch (op) {
        case LogicalOp::kAnd: r = x && y; break;
        case LogicalOp::kOr: r = x || y; break;
        case LogicalOp::kXor: r = x != y; break;
        case LogicalOp::kNot: break;
      }
      out[i] = r ? 1 : 0;
    });
    return absl::OkStatus();
  }

 private:
  LogicalOp op_;
};

class LogicalTactic : public Tactic {
 public:
  LogicalTactic()
      : Tactic(TacticInfo{"cpu_ref.logical.direct", kLogicalOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<LogicalParams> params = LogicalParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<LogicalKernel>(params->op));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LogicalTactic>());

}  // namespace cpu_ref
}  // namespace kiln
