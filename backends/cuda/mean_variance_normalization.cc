// cuda MeanVarianceNormalization: one block per index of the kept dims,
// mean and variance in double with block reductions, two passes
// (kernels/norm.cu), cpu_ref's (x - mean) / (sqrt(var) + 1e-9); fp32 and
// fp16 (rounded once). With the default axes the batch is reduced too, so
// a row spans the run's whole batch.
#include "ops/mean_variance_normalization.h"

#include <vector>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/norm.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class MeanVarianceNormalizationKernel : public Kernel {
 public:
  MeanVarianceNormalizationKernel(DataType dtype, std::vector<bool> reduced)
      : dtype_(dtype), reduced_(std::move(reduced)) {}
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    const int rank = static_cast<int>(dims.size());
    kernels::MvnShape shape;
    shape.rows = 1;
    shape.count = 1;
    for (int d = 0; d < rank; ++d) (reduced_[d] ? shape.reduced_rank : shape.kept_rank) += 1;
    // Fill both lists from the last dim, keeping each in input order.
    int kept = shape.kept_rank, red = shape.reduced_rank;
    int64_t stride = 1;
    for (int d = rank - 1; d >= 0; --d) {
      if (reduced_[d]) {
        --red;
        shape.reduced_dims[red] = dims[d];
        shape.reduced_strides[red] = stride;
        shape.count *= dims[d];
      } else {
        --kept;
        shape.kept_dims[kept] = dims[d];
        shape.kept_strides[kept] = stride;
        shape.rows *= dims[d];
      }
      stride *= dims[d];
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::MeanVarianceNorm(static_cast<int>(dtype_), shape,
                                                        args.inputs[0], args.outputs[0],
                                                        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  std::vector<bool> reduced_;  // per input dim
};

class MeanVarianceNormalizationTactic : public CudaTactic {
 public:
  explicit MeanVarianceNormalizationTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.mean_variance_normalization.kernel.", DataTypeName(dtype)),
                   kMeanVarianceNormalizationOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    return Reduced(node).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(std::vector<bool> reduced, Reduced(node));
    return std::unique_ptr<Kernel>(
        std::make_unique<MeanVarianceNormalizationKernel>(dtype_, std::move(reduced)));
  }

 private:
  // Which input dims the axes reduce.
  static absl::StatusOr<std::vector<bool>> Reduced(const NodeContext& node) {
    KILN_ASSIGN_OR_RETURN(MeanVarianceNormalizationParams params,
                          MeanVarianceNormalizationParams::FromAttrs(node.attrs));
    const int64_t rank = node.inputs[0].rank();
    std::vector<bool> reduced(rank, false);
    for (int64_t a : params.axes) {
      if (a < -rank || a >= rank) {
        return node.Error("axis ", a, " is out of range for rank ", rank);
      }
      reduced[a < 0 ? a + rank : a] = true;
    }
    return reduced;
  }

  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<MeanVarianceNormalizationTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<MeanVarianceNormalizationTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
