// cpu_ref ScatterND: copies data to the output, checks every index tuple,
// then walks the tuples in row-major order (so of duplicates the last
// "none" update wins, as in ONNX's reference), writing or combining one
// contiguous slice of the trailing r - k dims per tuple.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/scatter_nd.h"

namespace kiln {
namespace cpu_ref {
namespace {

enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

Reduction ParseReduction(const std::string& r) {
  if (r == "add") return Reduction::kAdd;
  if (r == "mul") return Reduction::kMul;
  if (r == "max") return Reduction::kMax;
  if (r == "min") return Reduction::kMin;
  return Reduction::kNone;
}

// Combines in `Acc`; integers in the unsigned type so overflow wraps.
template <typename Acc>
Acc Combine(Reduction r, Acc old_value, Acc update) {
  if constexpr (std::is_integral_v<Acc>) {
    using U = std::make_unsigned_t<Acc>;
    if (r == Reduction::kAdd) return static_cast<Acc>(static_cast<U>(old_value) + static_cast<U>(update));
    if (r == Reduction::kMul) return static_cast<Acc>(static_cast<U>(old_value) * static_cast<U>(update));
  }
  switch (r) {
    case Reduction::kNone: return update;
    case Reduction::kAdd: return old_value + update;
    case Reduction::kMul: return old_value * update;
    case Reduction::kMax: return std::max(old_value, update);
    case Reduction::kMin: return std::min(old_value, update);
  }
  return update;
}

template <typename T>
T Same(T v) {
  return v;
}

// out[offsets[t] + e] combined with updates[t * slice + e].
template <typename Stored, typename Acc, typename Load, typename Store>
void Reduce(const KernelArgs& args, const int64_t* offsets, int64_t tuples, int64_t slice,
            Reduction r, Load load, Store store) {
  const auto* updates = static_cast<const Stored*>(args.inputs[2]);
  auto* out = static_cast<Stored*>(args.outputs[0]);
  for (int64_t t = 0; t < tuples; ++t) {
    for (int64_t e = 0; e < slice; ++e) {
      Stored& o = out[offsets[t] + e];
      o = store(Combine<Acc>(r, load(o), load(updates[t * slice + e])));
    }
  }
}

class ScatterNDKernel : public Kernel {
 public:
  ScatterNDKernel(std::string layer, Reduction reduction)
      : layer_(std::move(layer)), reduction_(reduction) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data = args.input_descs[0];
    const TensorDesc& indices = args.input_descs[1];
    const int64_t r = data.rank();
    const int64_t k = indices.dims.back();
    int64_t slice = 1;
    for (int64_t d = k; d < r; ++d) slice *= data.dims[d];
    const int64_t tuples = indices.volume() / k;
    // Each tuple's element offset into data, in the workspace (WorkspaceSize).
    int64_t* offsets = static_cast<int64_t*>(args.workspace);
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t offset = 0;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t size = data.dims[j];
        int64_t index = ReadIndex(args.inputs[1], indices.dtype, t * k + j);
        if (index < -size || index >= size) {
          return absl::OutOfRangeError(absl::StrCat(
              "layer '", layer_, "' (", kScatterNDOp, "): index ", index, " in tuple ", t,
              " of indices '", indices.name, "' is out of range for dim ", j, " of size ", size,
              " (data ", DimsString(data.dims), "); expected ", -size, "..", size - 1));
        }
        if (index < 0) index += size;
        offset = offset * size + index;
      }
      offsets[t] = offset * slice;
    }
    std::memcpy(args.outputs[0], args.inputs[0], data.bytes());
    if (reduction_ == Reduction::kNone) {
      const size_t elem = DataTypeSize(data.dtype);
      const auto* updates = static_cast<const uint8_t*>(args.inputs[2]);
      auto* out = static_cast<uint8_t*>(args.outputs[0]);
      for (int64_t t = 0; t < tuples; ++t) {
        std::memcpy(out + offsets[t] * elem, updates + t * slice * elem, slice * elem);
      }
      return absl::OkStatus();
    }
    switch (data.dtype) {
      case DataType::kFloat32:
        Reduce<float, float>(args, offsets, tuples, slice, reduction_, Same<float>, Same<float>);
        break;
      case DataType::kFloat16:
        Reduce<uint16_t, float>(args, offsets, tuples, slice, reduction_, HalfToFloat, FloatToHalf);
        break;
      case DataType::kInt32:
        Reduce<int32_t, int32_t>(args, offsets, tuples, slice, reduction_, Same<int32_t>, Same<int32_t>);
        break;
      case DataType::kInt64:
        Reduce<int64_t, int64_t>(args, offsets, tuples, slice, reduction_, Same<int64_t>, Same<int64_t>);
        break;
      case DataType::kInt8:
        Reduce<int8_t, int8_t>(args, offsets, tuples, slice, reduction_, Same<int8_t>, Same<int8_t>);
        break;
      case DataType::kBool: break;  // refused by shape inference
    }
    return absl::OkStatus();
  }

 private:
  std::string layer_;  // for the out-of-range message
  Reduction reduction_;
};

class ScatterNDTactic : public Tactic {
 public:
  ScatterNDTactic()
      : Tactic(TacticInfo{"cpu_ref.scatter_nd.direct", kScatterNDOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  // One int64 element offset per index tuple, at max batch.
  size_t WorkspaceSize(const NodeContext& node) const override {
    const TensorDesc& indices = node.inputs[1];
    if (indices.dims.empty() || indices.dims.back() == 0) return 0;
    return static_cast<size_t>(indices.volume() / indices.dims.back()) * sizeof(int64_t);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ScatterNDParams> params = ScatterNDParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(
        std::make_unique<ScatterNDKernel>(node.name, ParseReduction(params->reduction)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ScatterNDTactic>());

}  // namespace cpu_ref
}  // namespace kiln
