// cpu_ref ScatterElements: copies data to the output, then walks indices
// and updates together in row-major order (so with duplicate indices the
// last update wins, as in ONNX's reference) with an odometer that tracks the
// output offset without the axis term.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/scatter_elements.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Combines in `Acc`; integers in the unsigned type so overflow wraps.
template <typename Acc>
Acc Combine(ScatterReduction r, Acc old_value, Acc update) {
  if constexpr (std::is_integral_v<Acc>) {
    using U = std::make_unsigned_t<Acc>;
    if (r == ScatterReduction::kAdd) {
      return static_cast<Acc>(static_cast<U>(old_value) + static_cast<U>(update));
    }
    if (r == ScatterReduction::kMul) {
      return static_cast<Acc>(static_cast<U>(old_value) * static_cast<U>(update));
    }
  }
  switch (r) {
    case ScatterReduction::kNone: return update;
    case ScatterReduction::kAdd: return old_value + update;
    case ScatterReduction::kMul: return old_value * update;
    case ScatterReduction::kMax: return std::max(old_value, update);
    case ScatterReduction::kMin: return std::min(old_value, update);
  }
  return update;
}

// Calls fn(i, target) for every position i of indices, target being the
// output element it writes.
template <typename Fn>
void ForEachTarget(const KernelArgs& args, int64_t axis, Fn fn) {
  const TensorDesc& data_desc = args.input_descs[0];
  const TensorDesc& indices_desc = args.input_descs[1];
  const Dims& idx_dims = indices_desc.dims;
  const int64_t rank = data_desc.rank();
  const int64_t axis_size = data_desc.dims[axis];
  SmallDims strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d) strides[d] = strides[d + 1] * data_desc.dims[d + 1];
  SmallDims coord(rank, 0);
  int64_t base = 0;
  const int64_t count = indices_desc.volume();
  for (int64_t i = 0; i < count; ++i) {
    int64_t index = ReadIndex(args.inputs[1], indices_desc.dtype, i);
    if (index < 0) index += axis_size;
    fn(i, base + index * strides[axis]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      const int64_t step = d == axis ? 0 : strides[d];
      base += step;
      if (++coord[d] < idx_dims[d]) break;
      base -= step * idx_dims[d];
      coord[d] = 0;
    }
  }
}

template <typename Stored, typename Acc, typename Load, typename Store>
void ScatterReduce(const KernelArgs& args, int64_t axis, ScatterReduction r, Load load,
                   Store store) {
  const auto* updates = static_cast<const Stored*>(args.inputs[2]);
  auto* out = static_cast<Stored*>(args.outputs[0]);
  ForEachTarget(args, axis, [&](int64_t i, int64_t target) {
    out[target] = store(Combine<Acc>(r, load(out[target]), load(updates[i])));
  });
}

template <typename T>
T Identity(T v) {
  return v;
}

class ScatterElementsKernel : public Kernel {
 public:
  ScatterElementsKernel(std::string layer, int64_t axis, ScatterReduction reduction)
      : layer_(std::move(layer)), axis_(axis), reduction_(reduction) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data_desc = args.input_descs[0];
    const TensorDesc& indices_desc = args.input_descs[1];
    const int64_t axis_size = data_desc.dims[axis_];
    // The one check Run makes: indices are data, unknown before running.
    for (int64_t i = 0; i < indices_desc.volume(); ++i) {
      const int64_t index = ReadIndex(args.inputs[1], indices_desc.dtype, i);
      if (index < -axis_size || index >= axis_size) {
        return absl::OutOfRangeError(absl::StrCat(
            "layer '", layer_, "' (", kScatterElementsOp, "): index ", index, " at position ", i,
            " of indices '", indices_desc.name, "' is out of range for axis ", axis_, " of size ",
            axis_size, " (data ", DimsString(data_desc.dims), "); expected ", -axis_size, "..",
            axis_size - 1));
      }
    }
    std::memcpy(args.outputs[0], args.inputs[0], data_desc.bytes());

    if (reduction_ == ScatterReduction::kNone) {
      const size_t elem = DataTypeSize(data_desc.dtype);
      const auto* updates = static_cast<const uint8_t*>(args.inputs[2]);
      auto* out = static_cast<uint8_t*>(args.outputs[0]);
      ForEachTarget(args, axis_, [&](int64_t i, int64_t target) {
        std::memcpy(out + target * elem, updates + i * elem, elem);
      });
      return absl::OkStatus();
    }
    switch (data_desc.dtype) {
      case DataType::kFloat32:
        ScatterReduce<float, float>(args, axis_, reduction_, Identity<float>, Identity<float>);
        break;
      case DataType::kFloat16:
        ScatterReduce<uint16_t, float>(args, axis_, reduction_, HalfToFloat, FloatToHalf);
        break;
      case DataType::kInt32:
        ScatterReduce<int32_t, int32_t>(args, axis_, reduction_, Identity<int32_t>,
                                        Identity<int32_t>);
        break;
      case DataType::kInt64:
        ScatterReduce<int64_t, int64_t>(args, axis_, reduction_, Identity<int64_t>,
                                        Identity<int64_t>);
        break;
      case DataType::kInt8:
        ScatterReduce<int8_t, int8_t>(args, axis_, reduction_, Identity<int8_t>, Identity<int8_t>);
        break;
      case DataType::kBool: break;  // refused by shape inference
    }
    return absl::OkStatus();
  }

 private:
  std::string layer_;  // for the out-of-range message
  int64_t axis_;       // non-negative
  ScatterReduction reduction_;
};

class ScatterElementsTactic : public Tactic {
 public:
  ScatterElementsTactic()
      : Tactic(TacticInfo{"cpu_ref.scatter_elements.direct", kScatterElementsOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ScatterElementsParams> params = ScatterElementsParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (params->axis < -rank || params->axis >= rank) {
      return node.Error("axis ", params->axis, " is out of range for data of rank ", rank);
    }
    const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
    return std::unique_ptr<Kernel>(
        std::make_unique<ScatterElementsKernel>(node.name, axis, params->reduction));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ScatterElementsTactic>());

}  // namespace cpu_ref
}  // namespace kiln
