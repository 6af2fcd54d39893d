// cpu_ref Slice: one strided copy in output order. The ranges are resolved
// again in Run from the input dims of the batch being run, because a range
// on the batch axis (or a negative start) depends on them.
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/slice.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Per-dimension scratch of Run; inline up to rank 8 (TensorRT's limit), so
// Run allocates nothing for any realistic tensor.
using SmallDims = absl::InlinedVector<int64_t, 8>;

// out[i_0, ..., i_{r-1}] = in[sum_d i_d * in_strides[d]] (strides may be
// negative), walking the output in row-major order with an odometer over
// every dim but the last.
template <typename T>
void StridedCopy(const T* in, const SmallDims& out_dims, const SmallDims& in_strides, T* out) {
  const size_t rank = out_dims.size();
  int64_t volume = 1;
  for (int64_t d : out_dims) volume *= d;
  if (volume == 0) return;
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  const int64_t last = static_cast<int64_t>(rank) - 1;
  const int64_t row = out_dims[last];
  const int64_t row_stride = in_strides[last];
  SmallDims index(rank, 0);
  int64_t in_offset = 0;
  for (int64_t written = 0; written < volume; written += row) {
    const T* src = in + in_offset;
    for (int64_t x = 0; x < row; ++x) *out++ = src[x * row_stride];
    for (int64_t d = last - 1; d >= 0; --d) {
      in_offset += in_strides[d];
      if (++index[d] < out_dims[d]) break;
      in_offset -= in_strides[d] * out_dims[d];
      index[d] = 0;
    }
  }
}

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
    switch (DataTypeSize(in_desc.dtype)) {
      case 1:
        StridedCopy(static_cast<const uint8_t*>(args.inputs[0]) + first, out_dims, in_strides,
                    static_cast<uint8_t*>(args.outputs[0]));
        break;
      case 2:
        StridedCopy(static_cast<const uint16_t*>(args.inputs[0]) + first, out_dims, in_strides,
                    static_cast<uint16_t*>(args.outputs[0]));
        break;
      case 4:
        StridedCopy(static_cast<const uint32_t*>(args.inputs[0]) + first, out_dims, in_strides,
                    static_cast<uint32_t*>(args.outputs[0]));
        break;
      case 8:
        StridedCopy(static_cast<const uint64_t*>(args.inputs[0]) + first, out_dims, in_strides,
                    static_cast<uint64_t*>(args.outputs[0]));
        break;
    }
    return absl::OkStatus();
  }

 private:
  SliceSpec spec_;  // per input dim
};

class SliceTactic : public Tactic {
 public:
  SliceTactic()
      : Tactic(TacticInfo{"cpu_ref.slice.direct", kSliceOp, kBackend, /*is_reference=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    if (node.inputs[0].format != TensorFormat::kLinear ||
        node.outputs[0].format != TensorFormat::kLinear) {
      return absl::UnimplementedError(absl::StrCat(
          "input is ", TensorFormatName(node.inputs[0].format), ", output is ",
          TensorFormatName(node.outputs[0].format),
          "; cpu_ref.slice.direct moves linear (row-major) tensors only"));
    }
    return absl::OkStatus();
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
