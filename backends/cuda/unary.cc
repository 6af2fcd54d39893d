// cuda Unary: kiln's own element-wise kernel (kernels/unary.cu), every op of
// ops/unary.h, one tactic per precision (fp16 computed in fp32, rounded once
// at the output). abs, neg, ceil, floor, round and sign are bit-exact; sqrt
// and recip are correctly rounded; the rest use CUDA's libm (a few ulp). The
// kernel never looks at coordinates, so it runs on any format the input and
// the output share (NCHW or NHWC).
#include "ops/unary.h"

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
class UnaryKernel : public Kernel {
 public:
  explicit UnaryKernel(UnaryOp op) : op_(op) {}
  absl::Status Run(const KernelArgs& args) const override {
    KILN_CUDA_RETURN_IF_ERROR(kernels::Unary<T>(
        static_cast<int>(op_), args.output_descs[0].volume(),
        static_cast<const T*>(args.inputs[0]), static_cast<T*>(args.outputs[0]),
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  UnaryOp op_;
};

class UnaryTactic : public CudaTactic {
 public:
  explicit UnaryTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.unary.kernel.", DataTypeName(dtype)), kUnaryOp,
                   /*accepts_nhwc=*/true, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireDtype(node, dtype_));
    KILN_RETURN_IF_ERROR(RequireOneFormat(node));
    return UnaryParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(UnaryParams params, UnaryParams::FromAttrs(node.attrs));
    if (dtype_ == DataType::kFloat16) {
      return std::unique_ptr<Kernel>(std::make_unique<UnaryKernel<__half>>(params.op));
    }
    return std::unique_ptr<Kernel>(std::make_unique<UnaryKernel<float>>(params.op));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<UnaryTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<UnaryTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
