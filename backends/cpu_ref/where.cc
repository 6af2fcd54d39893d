// cpu_ref Where: a broadcasting select that copies elements bit-exactly as
// unsigned integers of the element size, so it serves every dtype.
#include <array>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/where.h"

namespace kiln {
namespace cpu_ref {
namespace {

template <typename T>
void Select(const KernelArgs& args) {
  const Dims& out_dims = args.output_descs[0].dims;
  const std::array<SmallDims, 3> strides = {BroadcastStrides(args.input_descs[0].dims, out_dims),
                                            BroadcastStrides(args.input_descs[1].dims, out_dims),
                                            BroadcastStrides(args.input_descs[2].dims, out_dims)};
  const auto* cond = static_cast<const uint8_t*>(args.inputs[0]);
  const auto* x = static_cast<const T*>(args.inputs[1]);
  const auto* y = static_cast<const T*>(args.inputs[2]);
  auto* out = static_cast<T*>(args.outputs[0]);
  ForEachBroadcast(out_dims, strides, [&](int64_t i, const std::array<int64_t, 3>& at) {
    out[i] = cond[at[0]] != 0 ? x[at[1]] : y[at[2]];
  });
}

class WhereKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    switch (DataTypeSize(args.output_descs[0].dtype)) {
      case 1: Select<uint8_t>(args); break;
      case 2: Select<uint16_t>(args); break;
      case 4: Select<uint32_t>(args); break;
      case 8: Select<uint64_t>(args); break;
    }
    return absl::OkStatus();
  }
};

class WhereTactic : public Tactic {
 public:
  WhereTactic()
      : Tactic(TacticInfo{"cpu_ref.where.direct", kWhereOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<WhereKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<WhereTactic>());

}  // namespace cpu_ref
}  // namespace kiln
