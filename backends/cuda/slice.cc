// cuda Slice: one strided-copy kernel (kernels::StridedCopy) in output
// order, any dtype, bit-exact. As in cpu_ref, the per-dim ranges are
// resolved in Run from the input dims of the batch being run (a range on the
// batch axis or a negative start depends on them); that is host arithmetic
// into a fixed-size struct, no allocation.
#include "ops/slice.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// SliceSpec in fixed-size arrays, per input dim.
struct FixedSpec {
  int rank = 0;
  int64_t starts[kernels::kMaxRank] = {};
  int64_t ends[kernels::kMaxRank] = {};
  int64_t steps[kernels::kMaxRank] = {};
};

class SliceKernel : public Kernel {
 public:
  explicit SliceKernel(FixedSpec spec) : spec_(spec) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in_desc = args.input_descs[0];
    const TensorDesc& out_desc = args.output_descs[0];
    if (out_desc.volume() == 0) return absl::OkStatus();
    // The first element read and, per output dim, how far apart in the input
    // its successive elements are (step times the row-major stride).
    kernels::StridedShape shape;
    shape.rank = spec_.rank;
    int64_t first = 0;
    int64_t row_major = 1;
    for (int d = spec_.rank - 1; d >= 0; --d) {
      const SliceAxisRange range =
          ResolveSliceAxis(spec_.starts[d], spec_.ends[d], spec_.steps[d], in_desc.dims[d]);
      first += range.start * row_major;
      // With one element read the step is never taken; zeroing it keeps a
      // huge step (INT64_MAX) from overflowing the product.
      shape.in_strides[d] = range.size > 1 ? spec_.steps[d] * row_major : 0;
      shape.out_dims[d] = out_desc.dims[d];
      row_major *= in_desc.dims[d];
    }
    const int elem_size = static_cast<int>(DataTypeSize(in_desc.dtype));
    KILN_CUDA_RETURN_IF_ERROR(kernels::StridedCopy(
        elem_size, shape, static_cast<const uint8_t*>(args.inputs[0]) + first * elem_size,
        args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  FixedSpec spec_;
};

class SliceTactic : public CudaTactic {
 public:
  SliceTactic()
      : CudaTactic("cuda.slice.strided", kSliceOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("input and output types differ");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<SliceParams> params = SliceParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (rank > kernels::kMaxRank) {
      return node.Error("rank ", rank, " is above ", kernels::kMaxRank);
    }
    absl::StatusOr<SliceSpec> spec = MakeSliceSpec(*params, rank);
    if (!spec.ok()) return node.Error(spec.status().message());
    FixedSpec fixed;
    fixed.rank = static_cast<int>(rank);
    for (int64_t d = 0; d < rank; ++d) {
      fixed.starts[d] = spec->starts[d];
      fixed.ends[d] = spec->ends[d];
      fixed.steps[d] = spec->steps[d];
    }
    return std::unique_ptr<Kernel>(std::make_unique<SliceKernel>(fixed));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<SliceTactic>());

}  // namespace cuda
}  // namespace kiln
