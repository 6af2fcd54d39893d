// cuda Scale: kiln's own element-wise kernel (kernels/scale.cu), fp32,
// uniform / channel / elementwise modes. x is viewed as (outer, count,
// inner) from the run's dims; multiply and add are rounded separately as in
// cpu_ref, powf is within 2 ulp of std::pow. One tactic per precision: x,
// the parameters and y all fp32 or all fp16 (computed in fp32, rounded once
// at the output).
#include "ops/scale.h"

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
class ScaleKernel : public Kernel {
 public:
  ScaleKernel(ScaleMode mode, int64_t axis) : mode_(mode), axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& dims = args.input_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(dims.size());
    int64_t outer = 1, count = 1, inner = 1;
    switch (mode_) {
      case ScaleMode::kUniform: inner = Volume(dims); break;
      case ScaleMode::kChannel:
        for (int64_t d = 0; d < axis_; ++d) outer *= dims[d];
        count = dims[axis_];
        for (int64_t d = axis_ + 1; d < rank; ++d) inner *= dims[d];
        break;
      case ScaleMode::kElementwise:
        outer = dims[0];
        for (int64_t d = 1; d < rank; ++d) count *= dims[d];
        break;
    }
    const auto input = [&](size_t i) {
      return i < args.inputs.size() ? static_cast<const T*>(args.inputs[i]) : nullptr;
    };
    KILN_CUDA_RETURN_IF_ERROR(kernels::Scale<T>(outer, count, inner, input(0), input(1),
                                                input(2), input(3),
                                                static_cast<T*>(args.outputs[0]),
                                                ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  ScaleMode mode_;
  int64_t axis_;  // kChannel: non-negative channel axis
};

class ScaleTactic : public CudaTactic {
 public:
  explicit ScaleTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.scale.kernel.", DataTypeName(dtype)), kScaleOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatLinear(node, dtype_));
    return ScaleParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(ScaleParams params, ScaleParams::FromAttrs(node.attrs));
    const int64_t rank = node.inputs[0].rank();
    int64_t axis = params.channel_axis < 0 ? params.channel_axis + rank : params.channel_axis;
    if (params.mode == ScaleMode::kChannel && (axis < 1 || axis >= rank)) {
      return node.Error("channel_axis ", params.channel_axis, " is out of range for rank ", rank);
    }
    if (params.mode == ScaleMode::kElementwise && rank < 1) {
      return node.Error("elementwise scale of a scalar");
    }
    if (dtype_ == DataType::kFloat16) {
      return std::unique_ptr<Kernel>(std::make_unique<ScaleKernel<__half>>(params.mode, axis));
    }
    return std::unique_ptr<Kernel>(std::make_unique<ScaleKernel<float>>(params.mode, axis));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ScaleTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<ScaleTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
