// cpu_ref CumSum: one running sum per (outer, inner) position, walking the
// axis forward or backward.
#include <cstdint>
#include <memory>
#include <type_traits>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/cum_sum.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Integer sums in the unsigned type, so overflow wraps instead of being
// undefined behaviour.
template <typename T>
T Add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

// Sums in `Acc`; `load`/`store` convert between storage and Acc (fp16).
template <typename Stored, typename Acc, typename Load, typename Store>
void CumSumTyped(const KernelArgs& args, const CumSumParams& p, int64_t axis, Load load,
                 Store store) {
  const Dims& dims = args.input_descs[0].dims;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= dims[d];
  int64_t inner = 1;
  for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
  const int64_t n = dims[axis];
  const auto* in = static_cast<const Stored*>(args.inputs[0]);
  auto* out = static_cast<Stored*>(args.outputs[0]);
  for (int64_t outer_index = 0; outer_index < outer; ++outer_index) {
    for (int64_t inner_index = 0; inner_index < inner; ++inner_index) {
      const int64_t base = outer_index * n * inner + inner_index;
      Acc sum = 0;
      for (int64_t step = 0; step < n; ++step) {
        const int64_t k = p.reverse ? n - 1 - step : step;
        const int64_t at = base + k * inner;
        const Acc value = load(in[at]);
        if (!p.exclusive) sum = Add(sum, value);
        out[at] = store(sum);
        if (p.exclusive) sum = Add(sum, value);
      }
    }
  }
}

template <typename T>
T Identity(T v) {
  return v;
}

class CumSumKernel : public Kernel {
 public:
  CumSumKernel(CumSumParams params, int64_t axis) : params_(params), axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    switch (args.input_descs[0].dtype) {
      case DataType::kFloat32:
        CumSumTyped<float, float>(args, params_, axis_, Identity<float>, Identity<float>);
        break;
      case DataType::kFloat16:
        CumSumTyped<uint16_t, float>(args, params_, axis_, HalfToFloat, FloatToHalf);
        break;
      case DataType::kInt32:
        CumSumTyped<int32_t, int32_t>(args, params_, axis_, Identity<int32_t>, Identity<int32_t>);
        break;
      case DataType::kInt64:
        CumSumTyped<int64_t, int64_t>(args, params_, axis_, Identity<int64_t>, Identity<int64_t>);
        break;
      case DataType::kInt8:
      case DataType::kBool: break;  // refused by shape inference
    }
    return absl::OkStatus();
  }

 private:
  CumSumParams params_;
  int64_t axis_;  // non-negative
};

class CumSumTactic : public Tactic {
 public:
  CumSumTactic()
      : Tactic(TacticInfo{"cpu_ref.cum_sum.direct", kCumSumOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<CumSumParams> params = CumSumParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (params->axis < -rank || params->axis >= rank) {
      return node.Error("axis ", params->axis, " is out of range for rank ", rank);
    }
    const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
    return std::unique_ptr<Kernel>(std::make_unique<CumSumKernel>(*params, axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<CumSumTactic>());

}  // namespace cpu_ref
}  // namespace kiln
