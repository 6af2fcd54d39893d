// cpu_ref BitShift: each element in uint64, masked to `width` bits before
// and after the shift (so left shifts wrap like the unsigned ONNX type).
#include <array>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/bit_shift.h"

namespace kiln {
namespace cpu_ref {
namespace {

uint64_t Shift(uint64_t x, uint64_t s, bool left, int64_t width) {
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  x &= mask;
  if (width < 64) s &= mask;
  // A shift by the width or more clears every bit (C++ leaves it undefined).
  if (s >= static_cast<uint64_t>(width)) return 0;
  return (left ? x << s : x >> s) & mask;
}

template <typename T>
void Run(const KernelArgs& args, bool left, int64_t width) {
  const Dims& out_dims = args.output_descs[0].dims;
  const std::array<SmallDims, 2> strides = {BroadcastStrides(args.input_descs[0].dims, out_dims),
                                            BroadcastStrides(args.input_descs[1].dims, out_dims)};
  const auto* x = static_cast<const T*>(args.inputs[0]);
  const auto* y = static_cast<const T*>(args.inputs[1]);
  auto* out = static_cast<T*>(args.outputs[0]);
  ForEachBroadcast(out_dims, strides, [&](int64_t i, const std::array<int64_t, 2>& at) {
    using U = std::make_unsigned_t<T>;
    const uint64_t value = static_cast<U>(x[at[0]]);
    const uint64_t shift = static_cast<U>(y[at[1]]);
    out[i] = static_cast<T>(static_cast<U>(Shift(value, shift, left, width)));
  });
}

class BitShiftKernel : public Kernel {
 public:
  explicit BitShiftKernel(BitShiftParams params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    if (args.input_descs[0].dtype == DataType::kInt32) {
      cpu_ref::Run<int32_t>(args, params_.left, params_.width);
    } else {
      cpu_ref::Run<int64_t>(args, params_.left, params_.width);
    }
    return absl::OkStatus();
  }

 private:
  BitShiftParams params_;
};

class BitShiftTactic : public Tactic {
 public:
  BitShiftTactic()
      : Tactic(TacticInfo{"cpu_ref.bit_shift.direct", kBitShiftOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<BitShiftParams> params = BitShiftParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<BitShiftKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<BitShiftTactic>());

}  // namespace cpu_ref
}  // namespace kiln
