// cpu_ref Gather: checks every index, then copies one contiguous run of
// data (everything below the axis) per (row above the axis, index).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/gather.h"

namespace kiln {
namespace cpu_ref {
namespace {

class GatherKernel : public Kernel {
 public:
  GatherKernel(std::string layer, int64_t axis) : layer_(std::move(layer)), axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data_desc = args.input_descs[0];
    const TensorDesc& indices_desc = args.input_descs[1];
    const int64_t axis_size = data_desc.dims[axis_];
    const int64_t num_indices = indices_desc.volume();

    // The one check Run makes: indices are data, unknown before running.
    for (int64_t i = 0; i < num_indices; ++i) {
      const int64_t index = ReadIndex(args.inputs[1], indices_desc.dtype, i);
      if (index < -axis_size || index >= axis_size) {
        return absl::OutOfRangeError(absl::StrCat(
            "layer '", layer_, "' (", kGatherOp, "): index ", index, " at position ", i,
            " of indices '", indices_desc.name, "' is out of range for axis ", axis_,
            " of size ", axis_size, " (data ", DimsString(data_desc.dims), "); expected ",
            -axis_size, "..", axis_size - 1));
      }
    }

    int64_t outer = 1;
    for (int64_t d = 0; d < axis_; ++d) outer *= data_desc.dims[d];
    int64_t inner = 1;
    for (int64_t d = axis_ + 1; d < data_desc.rank(); ++d) inner *= data_desc.dims[d];
    const size_t run_bytes = inner * DataTypeSize(data_desc.dtype);
    if (run_bytes == 0) return absl::OkStatus();

    const auto* data = static_cast<const uint8_t*>(args.inputs[0]);
    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    for (int64_t outer_index = 0; outer_index < outer; ++outer_index) {
      for (int64_t i = 0; i < num_indices; ++i) {
        int64_t index = ReadIndex(args.inputs[1], indices_desc.dtype, i);
        if (index < 0) index += axis_size;
        std::memcpy(out, data + (outer_index * axis_size + index) * run_bytes, run_bytes);
        out += run_bytes;
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string layer_;  // for the out-of-range message
  int64_t axis_;       // non-negative
};

class GatherTactic : public Tactic {
 public:
  GatherTactic()
      : Tactic(TacticInfo{"cpu_ref.gather.direct", kGatherOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<GatherParams> params = GatherParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    int64_t axis = params->axis;
    if (axis < -rank || axis >= rank) {
      return node.Error("axis ", axis, " is out of range for data of rank ", rank);
    }
    if (axis < 0) axis += rank;
    return std::unique_ptr<Kernel>(std::make_unique<GatherKernel>(node.name, axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<GatherTactic>());

}  // namespace cpu_ref
}  // namespace kiln
