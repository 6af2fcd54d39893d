// cpu_ref Padding: cpu_ref.padding.direct, the oracle. Data movement only:
// elements are copied as bytes (DataTypeSize each), so every dtype is
// handled by the same code and the result is bit-exact.
#include "ops/padding.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

// The input index that output index `out` of one dim reads, or -1 for the
// constant. `begin` is that dim's leading pad (negative when cropping).
// Shape inference guarantees reflect pads < in_size and a non-empty dim for edge.
int64_t SourceIndex(int64_t out, int64_t begin, int64_t in_size, PaddingMode mode) {
  const int64_t in = out - begin;
  if (in >= 0 && in < in_size) return in;
  switch (mode) {
    case PaddingMode::kConstant: return -1;
    case PaddingMode::kEdge: return in < 0 ? 0 : in_size - 1;
    case PaddingMode::kReflect: return in < 0 ? -in : 2 * (in_size - 1) - in;
  }
  return -1;
}

class DirectPaddingKernel : public Kernel {
 public:
  DirectPaddingKernel(PaddingParams params, std::vector<uint8_t> value)
      : params_(std::move(params)), value_(std::move(value)) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& in_dims = args.input_descs[0].dims;
    const Dims& out_dims = args.output_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(in_dims.size());
    const size_t element = DataTypeSize(args.input_descs[0].dtype);
    const auto* input = static_cast<const uint8_t*>(args.inputs[0]);
    auto* output = static_cast<uint8_t*>(args.outputs[0]);
    auto begin_pad = [&](int64_t dim) { return params_.pads.empty() ? 0 : params_.pads[dim]; };

    // Rows along the last dim: the outer dims pick a source row (or the
    // constant), then the row is filled as pad | contiguous copy | pad.
    const int64_t out_row = out_dims[rank - 1], in_row = in_dims[rank - 1];
    const int64_t last_begin = begin_pad(rank - 1);
    const int64_t rows = out_row == 0 ? 0 : Volume(out_dims) / out_row;
    // Output positions of a row that read the input directly.
    const int64_t copy_begin = std::clamp<int64_t>(last_begin, 0, out_row);
    const int64_t copy_end = std::clamp<int64_t>(last_begin + in_row, copy_begin, out_row);

    for (int64_t row = 0; row < rows; ++row) {
      // Map the row's outer output indices to a linear input row, innermost first.
      int64_t src_row = 0, in_stride = 1, rest = row;
      for (int64_t dim = rank - 2; dim >= 0 && src_row >= 0; --dim) {
        const int64_t out_index = rest % out_dims[dim];
        rest /= out_dims[dim];
        const int64_t in_index = SourceIndex(out_index, begin_pad(dim), in_dims[dim], params_.mode);
        src_row = in_index < 0 ? -1 : src_row + in_index * in_stride;
        in_stride *= in_dims[dim];
      }
      uint8_t* dst = output + row * out_row * element;
      if (src_row < 0) {
        for (int64_t x = 0; x < out_row; ++x)
          std::memcpy(dst + x * element, value_.data(), element);
        continue;
      }
      const uint8_t* src = input + src_row * in_row * element;
      auto fill_one = [&](int64_t x) {
        const int64_t in_x = SourceIndex(x, last_begin, in_row, params_.mode);
        std::memcpy(dst + x * element, in_x < 0 ? value_.data() : src + in_x * element, element);
      };
      for (int64_t x = 0; x < copy_begin; ++x) fill_one(x);
      if (copy_end > copy_begin) {
        std::memcpy(dst + copy_begin * element, src + (copy_begin - last_begin) * element,
                    (copy_end - copy_begin) * element);
      }
      for (int64_t x = copy_end; x < out_row; ++x) fill_one(x);
    }
    return absl::OkStatus();
  }

 private:
  PaddingParams params_;
  std::vector<uint8_t> value_;  // one element of the tensor's dtype
};

class DirectPaddingTactic : public Tactic {
 public:
  DirectPaddingTactic()
      : Tactic(TacticInfo{"cpu_ref.padding.direct", kPaddingOp, kBackend, /*is_reference=*/true,
                          /*accepts_nhwc=*/false, /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("input and output dtypes differ; padding copies bytes");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(PaddingParams params, PaddingParams::FromAttrs(node.attrs));
    std::vector<uint8_t> value(sizeof(int64_t), 0);
    if (params.mode == PaddingMode::kConstant) {
      absl::Status encoded = EncodePaddingValue(params.value, node.inputs[0].dtype, value.data());
      if (!encoded.ok()) return node.Error(encoded.message());
    }
    return std::unique_ptr<Kernel>(
        std::make_unique<DirectPaddingKernel>(std::move(params), std::move(value)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectPaddingTactic>());

}  // namespace cpu_ref
}  // namespace kiln
