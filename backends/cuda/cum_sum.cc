// cuda CumSum: one kernel (kernels::CumSum), one thread per run along the
// axis summing in cpu_ref's order (fp32 without contraction, fp16 summed in
// fp32 and rounded at each output, integers wrapping), so results match
// cpu_ref bit for bit; the tests still allow the fp32/fp16 policy bounds.
// Slow for long axes with few runs (a sequential scan per run). One tactic
// per precision: fp32, fp16, and int (int32, int64).
#include "ops/cum_sum.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

enum class Precision { kFp32, kFp16, kInt };

bool Covers(Precision p, DataType t) {
  switch (p) {
    case Precision::kFp32: return t == DataType::kFloat32;
    case Precision::kFp16: return t == DataType::kFloat16;
    case Precision::kInt: return t == DataType::kInt32 || t == DataType::kInt64;
  }
  return false;
}

class CumSumKernel : public Kernel {
 public:
  CumSumKernel(CumSumParams params, int64_t axis) : params_(params), axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in = args.input_descs[0];
    int64_t outer = 1;
    for (int64_t d = 0; d < axis_; ++d) outer *= in.dims[d];
    int64_t inner = 1;
    for (int64_t d = axis_ + 1; d < in.rank(); ++d) inner *= in.dims[d];
    KILN_CUDA_RETURN_IF_ERROR(kernels::CumSum(static_cast<int>(in.dtype), outer, in.dims[axis_],
                                              inner, params_.exclusive, params_.reverse,
                                              args.inputs[0], args.outputs[0],
                                              ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  CumSumParams params_;
  int64_t axis_;  // non-negative
};

class CumSumTactic : public CudaTactic {
 public:
  CumSumTactic(std::string name, Precision precision)
      : CudaTactic(std::move(name), kCumSumOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        precision_(precision) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    const DataType dtype = node.inputs[0].dtype;
    if (!Covers(precision_, dtype) || node.outputs[0].dtype != dtype) {
      return absl::UnimplementedError(
          absl::StrCat("input is ", DataTypeName(dtype), "; not this tactic's precision"));
    }
    return CumSumParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<CumSumParams> params = CumSumParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (params->axis < -rank || params->axis >= rank) {
      return node.Error("axis ", params->axis, " is out of range for rank ", rank);
    }
    const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
    return std::unique_ptr<Kernel>(std::make_unique<CumSumKernel>(*params, axis));
  }

 private:
  Precision precision_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<CumSumTactic>("cuda.cum_sum.scan.fp32", Precision::kFp32));
KILN_REGISTER_TACTIC(std::make_unique<CumSumTactic>("cuda.cum_sum.scan.fp16", Precision::kFp16));
KILN_REGISTER_TACTIC(std::make_unique<CumSumTactic>("cuda.cum_sum.scan.int", Precision::kInt));

}  // namespace cuda
}  // namespace kiln
