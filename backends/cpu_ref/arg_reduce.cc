// cpu_ref ArgReduce: for each (outer, inner) position, one scan along the
// axis keeping the best value and its index.
#include <cmath>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/arg_reduce.h"

namespace kiln {
namespace cpu_ref {
namespace {

template <typename T>
bool IsNan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// `load` turns a stored element into the value compared (fp16 -> float).
template <typename Stored, typename Load>
void ArgReduceTyped(const KernelArgs& args, const ArgReduceParams& p, int64_t axis, Load load) {
  const Dims& dims = args.input_descs[0].dims;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= dims[d];
  int64_t inner = 1;
  for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
  const int64_t axis_size = dims[axis];
  const auto* in = static_cast<const Stored*>(args.inputs[0]);
  auto* out = static_cast<int64_t*>(args.outputs[0]);
  const bool want_max = p.op == ArgReduceOp::kMax;
  for (int64_t outer_index = 0; outer_index < outer; ++outer_index) {
    for (int64_t inner_index = 0; inner_index < inner; ++inner_index) {
      const Stored* run = in + outer_index * axis_size * inner + inner_index;
      int64_t best_index = -1;
      auto best = load(run[0]);
      for (int64_t k = 0; k < axis_size; ++k) {
        const auto v = load(run[k * inner]);
        if (IsNan(v)) continue;
        const bool better =
            best_index < 0 || (want_max ? (p.select_last_index ? v >= best : v > best)
                                        : (p.select_last_index ? v <= best : v < best));
        if (better) {
          best = v;
          best_index = k;
        }
      }
      out[outer_index * inner + inner_index] = best_index < 0 ? 0 : best_index;
    }
  }
}

template <typename T>
T Identity(T v) {
  return v;
}

class ArgReduceKernel : public Kernel {
 public:
  ArgReduceKernel(ArgReduceParams params, int64_t axis) : params_(params), axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    switch (args.input_descs[0].dtype) {
      case DataType::kFloat32: ArgReduceTyped<float>(args, params_, axis_, Identity<float>); break;
      case DataType::kFloat16: ArgReduceTyped<uint16_t>(args, params_, axis_, HalfToFloat); break;
      case DataType::kInt32:
        ArgReduceTyped<int32_t>(args, params_, axis_, Identity<int32_t>);
        break;
      case DataType::kInt64:
        ArgReduceTyped<int64_t>(args, params_, axis_, Identity<int64_t>);
        break;
      case DataType::kInt8: ArgReduceTyped<int8_t>(args, params_, axis_, Identity<int8_t>); break;
      case DataType::kBool: break;  // refused by shape inference
    }
    return absl::OkStatus();
  }

 private:
  ArgReduceParams params_;
  int64_t axis_;  // non-negative
};

class ArgReduceTactic : public Tactic {
 public:
  ArgReduceTactic()
      : Tactic(TacticInfo{"cpu_ref.arg_reduce.direct", kArgReduceOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ArgReduceParams> params = ArgReduceParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (params->axis < -rank || params->axis >= rank) {
      return node.Error("axis ", params->axis, " is out of range for rank ", rank);
    }
    const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
    return std::unique_ptr<Kernel>(std::make_unique<ArgReduceKernel>(*params, axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ArgReduceTactic>());

}  // namespace cpu_ref
}  // namespace kiln
