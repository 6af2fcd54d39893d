// cpu_ref TopK: for each run along the axis, a partial sort of the indices
// 0..n-1 (in the workspace) by value, ties broken by index, so the order is
// a strict total order and the result deterministic.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/top_k.h"

namespace kiln {
namespace cpu_ref {
namespace {

// a > b, with NaN above every number and equal to NaN.
template <typename T>
bool Greater(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
  }
  return a > b;
}

// `load` turns a stored element into the value compared (fp16 -> float).
template <typename Stored, typename Load>
void TopKTyped(const KernelArgs& args, const TopKParams& p, int64_t axis, int64_t* order,
               Load load) {
  const Dims& dims = args.input_descs[0].dims;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= dims[d];
  int64_t inner = 1;
  for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
  const int64_t n = dims[axis];
  const int64_t k = p.k;
  const auto* in = static_cast<const Stored*>(args.inputs[0]);
  auto* values = static_cast<Stored*>(args.outputs[0]);
  auto* indices = static_cast<int64_t*>(args.outputs[1]);
  for (int64_t outer_index = 0; outer_index < outer; ++outer_index) {
    for (int64_t inner_index = 0; inner_index < inner; ++inner_index) {
      const Stored* run = in + outer_index * n * inner + inner_index;
      auto before = [&](int64_t a, int64_t b) {
        const auto va = load(run[a * inner]);
        const auto vb = load(run[b * inner]);
        if (p.largest ? Greater(va, vb) : Greater(vb, va)) return true;
        if (p.largest ? Greater(vb, va) : Greater(va, vb)) return false;
        return a < b;
      };
      for (int64_t i = 0; i < n; ++i) order[i] = i;
      std::partial_sort(order, order + k, order + n, before);
      const int64_t out_base = outer_index * k * inner + inner_index;
      for (int64_t i = 0; i < k; ++i) {
        values[out_base + i * inner] = run[order[i] * inner];
        indices[out_base + i * inner] = order[i];
      }
    }
  }
}

template <typename T>
T Identity(T v) {
  return v;
}

class TopKKernel : public Kernel {
 public:
  TopKKernel(TopKParams params, int64_t axis) : params_(params), axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    auto* order = static_cast<int64_t*>(args.workspace);
    switch (args.input_descs[0].dtype) {
      case DataType::kFloat32:
        TopKTyped<float>(args, params_, axis_, order, Identity<float>);
        break;
      case DataType::kFloat16: TopKTyped<uint16_t>(args, params_, axis_, order, HalfToFloat); break;
      case DataType::kInt32:
        TopKTyped<int32_t>(args, params_, axis_, order, Identity<int32_t>);
        break;
      case DataType::kInt64:
        TopKTyped<int64_t>(args, params_, axis_, order, Identity<int64_t>);
        break;
      case DataType::kInt8: TopKTyped<int8_t>(args, params_, axis_, order, Identity<int8_t>); break;
      case DataType::kBool: break;  // refused by shape inference
    }
    return absl::OkStatus();
  }

 private:
  TopKParams params_;
  int64_t axis_;  // non-negative
};

class TopKTactic : public Tactic {
 public:
  TopKTactic()
      : Tactic(TacticInfo{"cpu_ref.top_k.direct", kTopKOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  // One index per element of a run along the axis.
  size_t WorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<int64_t> axis = Axis(node);
    return axis.ok() ? node.inputs[0].dims[*axis] * sizeof(int64_t) : 0;
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<TopKParams> params = TopKParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    KILN_ASSIGN_OR_RETURN(int64_t axis, Axis(node));
    return std::unique_ptr<Kernel>(std::make_unique<TopKKernel>(*params, axis));
  }

 private:
  static absl::StatusOr<int64_t> Axis(const NodeContext& node) {
    absl::StatusOr<TopKParams> params = TopKParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (params->axis < -rank || params->axis >= rank) {
      return node.Error("axis ", params->axis, " is out of range for rank ", rank);
    }
    return params->axis < 0 ? params->axis + rank : params->axis;
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<TopKTactic>());

}  // namespace cpu_ref
}  // namespace kiln
