// cpu_ref Reduce: x is read once in memory order; each element is folded
// into its output's accumulator (double, in the workspace).
#include "ops/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

// The output offset of the first element of input row `row` (a row = the
// input's last dim). Reduced dims contribute nothing to it.
int64_t OutRowOffset(const Dims& in_dims, const std::vector<bool>& reduced, int64_t row) {
  const int64_t rank = static_cast<int64_t>(in_dims.size());
  int64_t stride = reduced[rank - 1] ? 1 : in_dims[rank - 1];
  int64_t offset = 0;
  for (int64_t d = rank - 2; d >= 0; --d) {
    const int64_t coord = row % in_dims[d];
    row /= in_dims[d];
    if (reduced[d]) continue;
    offset += coord * stride;
    stride *= in_dims[d];
  }
  return offset;
}

double Identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::kProd: return 1.0;
    case ReduceOp::kMax:
    case ReduceOp::kLogSumExp: return -std::numeric_limits<double>::infinity();  // the max pass
    case ReduceOp::kMin: return std::numeric_limits<double>::infinity();
    default: return 0.0;
  }
}

class DirectKernel : public Fp32Kernel {
 public:
  DirectKernel(ReduceOp op, std::vector<bool> reduced) : op_(op), reduced_(std::move(reduced)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& in_dims = args.input_descs[0].dims;
    auto* y = static_cast<float*>(args.outputs[0]);
    const int64_t out_volume = args.output_descs[0].volume();
    auto* acc = static_cast<double*>(args.workspace);
    int64_t count = 1;  // elements folded into each output
    for (size_t d = 0; d < in_dims.size(); ++d) {
      if (reduced_[d]) count *= in_dims[d];
    }

    std::fill(acc, acc + out_volume, Identity(op_));
    switch (op_) {
      case ReduceOp::kSum:
      case ReduceOp::kMean:
      case ReduceOp::kLogSum: Fold(args, [&](int64_t o, float v) { acc[o] += v; }); break;
      case ReduceOp::kSumSquare:
      case ReduceOp::kL2: Fold(args, [&](int64_t o, float v) { acc[o] += double(v) * v; }); break;
      case ReduceOp::kL1: Fold(args, [&](int64_t o, float v) { acc[o] += std::fabs(v); }); break;
      case ReduceOp::kProd: Fold(args, [&](int64_t o, float v) { acc[o] *= v; }); break;
      case ReduceOp::kMax:
      case ReduceOp::kLogSumExp:
        Fold(args, [&](int64_t o, float v) { acc[o] = std::max<double>(acc[o], v); });
        break;
      case ReduceOp::kMin:
        Fold(args, [&](int64_t o, float v) { acc[o] = std::min<double>(acc[o], v); });
        break;
    }
    if (op_ == ReduceOp::kLogSumExp) {
      // acc holds the max: move it to y as the shift, then sum e^(x - shift)
      // into acc. An infinite max would make x - max NaN; shifting by 0 is
      // exact then.
      for (int64_t i = 0; i < out_volume; ++i) {
        y[i] = std::isinf(acc[i]) ? 0.0f : static_cast<float>(acc[i]);
        acc[i] = 0.0;
      }
      Fold(args, [&](int64_t o, float v) { acc[o] += std::exp(double(v) - y[o]); });
      for (int64_t i = 0; i < out_volume; ++i) y[i] = static_cast<float>(y[i] + std::log(acc[i]));
      return absl::OkStatus();
    }
    for (int64_t i = 0; i < out_volume; ++i) {
      double v = acc[i];
      if (op_ == ReduceOp::kMean) v /= static_cast<double>(count);
      if (op_ == ReduceOp::kL2) v = std::sqrt(v);
      if (op_ == ReduceOp::kLogSum) v = std::log(v);
      y[i] = static_cast<float>(v);
    }
    return absl::OkStatus();
  }

 private:
  // Calls fn(output index, x_i) for every input element, in memory order.
  template <typename Fn>
  void Fold(const KernelArgs& args, Fn fn) const {
    const Dims& in_dims = args.input_descs[0].dims;
    const auto* x = static_cast<const float*>(args.inputs[0]);
    if (in_dims.empty()) {  // a scalar reduces to itself
      fn(0, x[0]);
      return;
    }
    const int64_t row_size = in_dims.back();
    const int64_t out_step = reduced_.back() ? 0 : 1;
    const int64_t rows = row_size == 0 ? 0 : Volume(in_dims) / row_size;
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t out_row = OutRowOffset(in_dims, reduced_, row);
      const float* x_row = x + row * row_size;
      for (int64_t i = 0; i < row_size; ++i) fn(out_row + i * out_step, x_row[i]);
    }
  }

  ReduceOp op_;
  std::vector<bool> reduced_;  // per input dim; the rank does not change with the batch
};

class DirectTactic : public Fp32Tactic {
 public:
  DirectTactic()
      : Fp32Tactic("cpu_ref.reduce.direct", kReduceOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return ReduceParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ReduceParams params, ReduceParams::FromAttrs(node.attrs));
    absl::StatusOr<std::vector<bool>> reduced = ReducedDims(params.axes, node.inputs[0].rank());
    if (!reduced.ok()) return node.Error(reduced.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<DirectKernel>(params.op, *reduced));
  }

 protected:
  // One double accumulator per output element.
  size_t KernelWorkspaceSize(const NodeContext& node) const override {
    return Align64(node.outputs[0].volume() * sizeof(double));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectTactic>());

}  // namespace cpu_ref
}  // namespace kiln
