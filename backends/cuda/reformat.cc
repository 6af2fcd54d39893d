// cuda Reformat: precision (fp32 <-> fp16) and layout (NCHW <-> NHWC)
// conversion in one pass (kernels/reformat.cu). Equal types move bits, so a
// layout change is exact for every dtype.
#include "ops/reformat.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/reformat.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/reformat.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

int KernelType(DataType type) {
  switch (type) {
    case DataType::kFloat32: return kernels::kReformatF32;
    case DataType::kFloat16: return kernels::kReformatF16;
    default: break;
  }
  switch (DataTypeSize(type)) {
    case 1: return kernels::kReformatU8;
    case 2: return kernels::kReformatU16;
    case 4: return kernels::kReformatU32;
    default: return kernels::kReformatU64;
  }
}

class ReformatKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in = args.input_descs[0];
    const TensorDesc& out = args.output_descs[0];
    const bool permute = in.format != out.format;
    const int64_t n = permute ? in.dims[0] : in.volume();
    const int64_t c = permute ? in.dims[1] : 1, h = permute ? in.dims[2] : 1,
                  w = permute ? in.dims[3] : 1;
    KILN_CUDA_RETURN_IF_ERROR(kernels::Reformat(
        KernelType(in.dtype), permute && in.format == TensorFormat::kNHWC, KernelType(out.dtype),
        permute && out.format == TensorFormat::kNHWC, n, c, h, w, args.inputs[0],
        args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }
};

class ReformatTactic : public CudaTactic {
 public:
  ReformatTactic()
      : CudaTactic("cuda.reformat.kernel", kReformatOp, /*accepts_nhwc=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(ReformatParams::FromAttrs(node.attrs).status());
    return CheckReformat(node.inputs[0], node.outputs[0].dtype, node.outputs[0].format);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<ReformatKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ReformatTactic>());

}  // namespace cuda
}  // namespace kiln
