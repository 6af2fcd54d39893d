// cpu_ref GatherElements: walks the indices in row-major order with an
// odometer that tracks the matching data offset without the axis term; each
// element adds index * stride of the axis and copies one element.
#include <cstdint>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/gather_elements.h"

namespace kiln {
namespace cpu_ref {
namespace {

class GatherElementsKernel : public Kernel {
 public:
  GatherElementsKernel(std::string layer, int64_t axis) : layer_(std::move(layer)), axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data_desc = args.input_descs[0];
    const TensorDesc& indices_desc = args.input_descs[1];
    const Dims& idx_dims = indices_desc.dims;
    const int64_t rank = data_desc.rank();
    const int64_t axis_size = data_desc.dims[axis_];
    const int64_t count = indices_desc.volume();

    // The one check Run makes: indices are data, unknown before running.
    for (int64_t i = 0; i < count; ++i) {
      const int64_t index = ReadIndex(args.inputs[1], indices_desc.dtype, i);
      if (index < -axis_size || index >= axis_size) {
        return absl::OutOfRangeError(absl::StrCat(
            "layer '", layer_, "' (", kGatherElementsOp, "): index ", index, " at position ", i,
            " of indices '", indices_desc.name, "' is out of range for axis ", axis_, " of size ",
            axis_size, " (data ", DimsString(data_desc.dims), "); expected ", -axis_size, "..",
            axis_size - 1));
      }
    }

    SmallDims data_strides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d) {
      data_strides[d] = data_strides[d + 1] * data_desc.dims[d + 1];
    }
    const size_t elem = DataTypeSize(data_desc.dtype);
    const auto* data = static_cast<const uint8_t*>(args.inputs[0]);
    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    SmallDims coord(rank, 0);
    int64_t base = 0;  // data offset of `coord` with the axis coordinate left out
    for (int64_t i = 0; i < count; ++i) {
      int64_t index = ReadIndex(args.inputs[1], indices_desc.dtype, i);
      if (index < 0) index += axis_size;
      std::memcpy(out + i * elem, data + (base + index * data_strides[axis_]) * elem, elem);
      for (int64_t d = rank - 1; d >= 0; --d) {
        const int64_t step = d == axis_ ? 0 : data_strides[d];
        base += step;
        if (++coord[d] < idx_dims[d]) break;
        base -= step * idx_dims[d];
        coord[d] = 0;
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string layer_;  // for the out-of-range message
  int64_t axis_;       // non-negative
};

class GatherElementsTactic : public Tactic {
 public:
  GatherElementsTactic()
      : Tactic(TacticInfo{"cpu_ref.gather_elements.direct", kGatherElementsOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<GatherElementsParams> params = GatherElementsParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (params->axis < -rank || params->axis >= rank) {
      return node.Error("axis ", params->axis, " is out of range for data of rank ", rank);
    }
    const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
    return std::unique_ptr<Kernel>(std::make_unique<GatherElementsKernel>(node.name, axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<GatherElementsTactic>());

}  // namespace cpu_ref
}  // namespace kiln
