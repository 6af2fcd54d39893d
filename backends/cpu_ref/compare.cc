// cpu_ref Compare: one broadcasting loop, instantiated per element type.
#include <array>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/compare.h"

namespace kiln {
namespace cpu_ref {
namespace {

template <typename T>
bool Compare(CompareOp op, T a, T b) {
  switch (op) {
    case CompareOp::kEqual: return a == b;
    case CompareOp::kLess: return a < b;
    case CompareOp::kLessOrEqual: return a <= b;
    case CompareOp::kGreater: return a > b;
    case CompareOp::kGreaterOrEqual: return a >= b;
  }
  return false;
}

// `load` turns a stored element into the value compared (fp16 -> float).
template <typename Stored, typename Load>
void CompareTyped(const KernelArgs& args, CompareOp op, Load load) {
  const Dims& out_dims = args.output_descs[0].dims;
  const std::array<SmallDims, 2> strides = {BroadcastStrides(args.input_descs[0].dims, out_dims),
                                            BroadcastStrides(args.input_descs[1].dims, out_dims)};
  const auto* a = static_cast<const Stored*>(args.inputs[0]);
  const auto* b = static_cast<const Stored*>(args.inputs[1]);
  auto* out = static_cast<uint8_t*>(args.outputs[0]);
  ForEachBroadcast(out_dims, strides, [&](int64_t i, const std::array<int64_t, 2>& at) {
    out[i] = Compare(op, load(a[at[0]]), load(b[at[1]])) ? 1 : 0;
  });
}

template <typename T>
T Identity(T v) {
  return v;
}

class CompareKernel : public Kernel {
 public:
  explicit CompareKernel(CompareOp op) : op_(op) {}

  absl::Status Run(const KernelArgs& args) const override {
    switch (args.input_descs[0].dtype) {
      case DataType::kFloat32: CompareTyped<float>(args, op_, Identity<float>); break;
      case DataType::kFloat16: CompareTyped<uint16_t>(args, op_, HalfToFloat); break;
      case DataType::kInt32: CompareTyped<int32_t>(args, op_, Identity<int32_t>); break;
      case DataType::kInt64: CompareTyped<int64_t>(args, op_, Identity<int64_t>); break;
      case DataType::kBool:
        CompareTyped<uint8_t>(args, op_, [](uint8_t v) { return v != 0; });
        break;
      case DataType::kInt8: CompareTyped<int8_t>(args, op_, Identity<int8_t>); break;
    }
    return absl::OkStatus();
  }

 private:
  CompareOp op_;
};

class CompareTactic : public Tactic {
 public:
  CompareTactic()
      : Tactic(TacticInfo{"cpu_ref.compare.direct", kCompareOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<CompareParams> params = CompareParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<CompareKernel>(params->op));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<CompareTactic>());

}  // namespace cpu_ref
}  // namespace kiln
