// cpu_ref Slice: one strided copy in output order. The ranges are resolved
// again in Run from the input dims of the batch being run, because a range
// on the batch axis (or a negative start) depends on them.
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/slice.h"

namespace kiln {
namespace cpu_ref {
namespace {

class SliceKernel : public Kernel {
 public:
  explicit SliceKernel(SliceSpec spec) : spec_(std::move(spec)) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in_desc = args.input_descs[0];
    const TensorDesc& out_desc = args.output_descs[0];
    const size_t rank = in_desc.dims.size();
    // The first element read and, per output dim, how far apart in the
    // input its successive elements are (step times the row-major stride).
    SmallDims out_dims(out_desc.dims.begin(), out_desc.dims.end());
    SmallDims in_strides(rank);
    int64_t first = 0;
    int64_t row_major = 1;
    for (size_t d = rank; d-- > 0;) {
      const SliceAxisRange range =
          ResolveSliceAxis(spec_.starts[d], spec_.ends[d], spec_.steps[d], in_desc.dims[d]);
      first += range.start * row_major;
      // With one element read the step is never taken; zeroing it keeps a
      // huge step (INT64_MAX) from overflowing the product.
      in_strides[d] = range.size > 1 ? spec_.steps[d] * row_major : 0;
      row_major *= in_desc.dims[d];
    }
    if (out_desc.volume() == 0) return absl::OkStatus();
    const size_t elem_size = DataTypeSize(in_desc.dtype);
    StridedCopy(static_cast<const uint8_t*>(args.inputs[0]) + first * elem_size, elem_size,
                out_dims, in_strides, args.outputs[0]);
    return absl::OkStatus();
  }

 private:
  SliceSpec spec_;  // per input dim
};

class SliceTactic : public Tactic {
 public:
  SliceTactic()
      : Tactic(TacticInfo{"cpu_ref.slice.direct", kSliceOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<SliceParams> params = SliceParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    absl::StatusOr<SliceSpec> spec = MakeSliceSpec(*params, node.inputs[0].rank());
    if (!spec.ok()) return node.Error(spec.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<SliceKernel>(*std::move(spec)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<SliceTactic>());

}  // namespace cpu_ref
}  // namespace kiln
