// cpu_ref Mod: one broadcasting loop, instantiated per element type.
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/mod.h"

namespace kiln {
namespace cpu_ref {
namespace {

// C's remainder (sign of a), or with `floor` the sign of b. x % 0 is 0, and
// b = -1 is special-cased because MIN % -1 traps on x86.
template <typename T>
T IntMod(T a, T b, bool floor) {
  if (b == 0 || b == -1) return 0;
  T r = static_cast<T>(a % b);
  if (floor && r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
  return r;
}

template <typename Stored, typename Load, typename Store, typename Fn>
void ModTyped(const KernelArgs& args, Load load, Store store, Fn mod) {
  const Dims& out_dims = args.output_descs[0].dims;
  const std::array<SmallDims, 2> strides = {BroadcastStrides(args.input_descs[0].dims, out_dims),
                                            BroadcastStrides(args.input_descs[1].dims, out_dims)};
  const auto* a = static_cast<const Stored*>(args.inputs[0]);
  const auto* b = static_cast<const Stored*>(args.inputs[1]);
  auto* out = static_cast<Stored*>(args.outputs[0]);
  ForEachBroadcast(out_dims, strides, [&](int64_t i, const std::array<int64_t, 2>& at) {
    out[i] = store(mod(load(a[at[0]]), load(b[at[1]])));
  });
}

template <typename T>
T Identity(T v) {
  return v;
}

class ModKernel : public Kernel {
 public:
  explicit ModKernel(bool fmod) : fmod_(fmod) {}

  absl::Status Run(const KernelArgs& args) const override {
    const bool floor = !fmod_;
    auto float_mod = [](float a, float b) { return std::fmod(a, b); };
    switch (args.input_descs[0].dtype) {
      case DataType::kFloat32:
        ModTyped<float>(args, Identity<float>, Identity<float>, float_mod);
        break;
      case DataType::kFloat16: ModTyped<uint16_t>(args, HalfToFloat, FloatToHalf, float_mod); break;
      case DataType::kInt32:
        ModTyped<int32_t>(args, Identity<int32_t>, Identity<int32_t>,
                          [floor](int32_t a, int32_t b) { return IntMod(a, b, floor); });
        break;
      case DataType::kInt64:
        ModTyped<int64_t>(args, Identity<int64_t>, Identity<int64_t>,
                          [floor](int64_t a, int64_t b) { return IntMod(a, b, floor); });
        break;
      case DataType::kInt8:
        ModTyped<int8_t>(args, Identity<int8_t>, Identity<int8_t>,
                         [floor](int8_t a, int8_t b) { return IntMod(a, b, floor); });
        break;
      case DataType::kBool: break;  // refused by shape inference
    }
    return absl::OkStatus();
  }

 private:
  bool fmod_;
};

class ModTactic : public Tactic {
 public:
  ModTactic()
      : Tactic(TacticInfo{"cpu_ref.mod.direct", kModOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ModParams> params = ModParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<ModKernel>(params->fmod));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ModTactic>());

}  // namespace cpu_ref
}  // namespace kiln
