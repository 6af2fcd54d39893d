// cuda LpPool: kiln's own N-D window kernel (kernels/spatial.cu), cpu_ref's
// arithmetic (|x|^p summed in double over the taps inside the input, padding
// contributing nothing). One tactic per precision.
#include "ops/lp_pool.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class LpPoolKernel : public Kernel {
 public:
  // The geometry depends only on the spatial dims, never on the batch.
  LpPoolKernel(int64_t p, LpPoolGeometry geometry, bool fp16)
      : p_(p), g_(std::move(geometry)), fp16_(fp16) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    kernels::WindowShape s;
    s.rank = static_cast<int>(g_.kernel.size());
    s.planes = x[0] * x[1];
    for (int d = 0; d < s.rank; ++d) {
      s.in[d] = x[2 + d];
      s.out[d] = g_.out[d];
      s.kernel[d] = g_.kernel[d];
      s.stride[d] = g_.strides[d];
      s.dilation[d] = g_.dilations[d];
      s.pad_begin[d] = g_.pad_begin[d];
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::LpPool(s, p_, fp16_, args.inputs[0], args.outputs[0],
                                              ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  int64_t p_;
  LpPoolGeometry g_;
  bool fp16_;
};

class LpPoolTactic : public CudaTactic {
 public:
  explicit LpPoolTactic(DataType dtype)
      : CudaTactic(dtype == DataType::kFloat16 ? "cuda.lp_pool.kernel.fp16"
                                               : "cuda.lp_pool.kernel.fp32",
                   kLpPoolOp),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.empty() || node.inputs[0].dtype != dtype_ ||
        node.outputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("this tactic is ", DataTypeName(dtype_),
                                                   " only; input is ",
                                                   DataTypeName(node.inputs[0].dtype)));
    }
    KILN_ASSIGN_OR_RETURN(LpPoolParams params, LpPoolParams::FromAttrs(node.attrs));
    if (node.inputs[0].rank() - 2 > kernels::kMaxSpatial) {
      return absl::UnimplementedError(absl::StrCat(node.inputs[0].rank() - 2,
                                                   " spatial dims; at most ",
                                                   kernels::kMaxSpatial, " are supported"));
    }
    return PlanLpPool(params, node.inputs[0].dims).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(LpPoolParams params, LpPoolParams::FromAttrs(node.attrs));
    KILN_ASSIGN_OR_RETURN(LpPoolGeometry geometry, PlanLpPool(params, node.inputs[0].dims));
    return std::unique_ptr<Kernel>(std::make_unique<LpPoolKernel>(
        params.p, std::move(geometry), dtype_ == DataType::kFloat16));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LpPoolTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<LpPoolTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
