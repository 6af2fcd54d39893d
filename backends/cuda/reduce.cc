// cuda Reduce: kiln's own kernel (kernels/reduce.cu), fp32, every op of
// ops/reduce.h. One warp per output element accumulating in double, like
// cpu_ref: sums differ from cpu_ref only by summation order in double
// (about count * 2^-53 relative before the final rounding to fp32, so within
// one fp32 ulp for any realistic count); max and min are bit-exact. One
// tactic per precision: fp16 elements are read as fp32 and the result is
// rounded once to fp16.
#include "ops/reduce.h"

#include <cuda_fp16.h>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

template <typename T>
class ReduceKernel : public Kernel {
 public:
  ReduceKernel(ReduceOp op, int rank, uint32_t reduced_mask)
      : op_(op), rank_(rank), reduced_mask_(reduced_mask) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    kernels::ReduceShape shape;
    // Row-major strides, split into the kept and the reduced dims (each list
    // in the input's order, so kept coords enumerate the output row-major).
    int64_t strides[kernels::kMaxRank];
    int64_t stride = 1;
    for (int d = rank_ - 1; d >= 0; --d) {
      strides[d] = stride;
      stride *= dims[d];
    }
    shape.out_volume = 1;
    shape.count = 1;
    for (int d = 0; d < rank_; ++d) {
      if (reduced_mask_ & (1u << d)) {
        shape.reduced_dims[shape.reduced_rank] = dims[d];
        shape.reduced_strides[shape.reduced_rank++] = strides[d];
        shape.count *= dims[d];
      } else {
        shape.kept_dims[shape.kept_rank] = dims[d];
        shape.kept_strides[shape.kept_rank++] = strides[d];
        shape.out_volume *= dims[d];
      }
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::Reduce<T>(
        static_cast<int>(op_), shape, static_cast<const T*>(args.inputs[0]),
        static_cast<T*>(args.outputs[0]), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  ReduceOp op_;
  int rank_;
  uint32_t reduced_mask_;  // bit d: input dim d is reduced
};

class ReduceTactic : public CudaTactic {
 public:
  explicit ReduceTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.reduce.warp.", DataTypeName(dtype)), kReduceOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatLinear(node, dtype_));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    return ReduceParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ReduceParams params, ReduceParams::FromAttrs(node.attrs));
    const int64_t rank = node.inputs[0].rank();
    if (rank > kernels::kMaxRank) return node.Error("rank ", rank, " is above ", kernels::kMaxRank);
    absl::StatusOr<std::vector<bool>> reduced = ReducedDims(params.axes, rank);
    if (!reduced.ok()) return node.Error(reduced.status().message());
    uint32_t mask = 0;
    for (int64_t d = 0; d < rank; ++d) {
      if ((*reduced)[d]) mask |= 1u << d;
    }
    if (dtype_ == DataType::kFloat16) {
      return std::unique_ptr<Kernel>(
          std::make_unique<ReduceKernel<__half>>(params.op, static_cast<int>(rank), mask));
    }
    return std::unique_ptr<Kernel>(
        std::make_unique<ReduceKernel<float>>(params.op, static_cast<int>(rank), mask));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ReduceTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<ReduceTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
