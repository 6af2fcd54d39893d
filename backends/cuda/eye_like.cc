// cuda EyeLike: one kernel (kernels::EyeLike), one thread per element,
// writing the output dtype's 1 (its bits made on the host as cpu_ref makes
// them) on diagonal k and all-zero bytes elsewhere. Every output dtype.
#include "ops/eye_like.h"

#include <cstring>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// The bits of the value 1 of `dtype`, in the low DataTypeSize(dtype) bytes.
uint64_t OneBits(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32: {
      const float one = 1.0f;
      uint32_t bits;
      std::memcpy(&bits, &one, sizeof(bits));
      return bits;
    }
    case DataType::kFloat16: return FloatToHalf(1.0f);
    case DataType::kInt8:
    case DataType::kInt32:
    case DataType::kInt64:
    case DataType::kBool: return 1;
  }
  return 1;
}

class EyeLikeKernel : public Kernel {
 public:
  explicit EyeLikeKernel(int64_t k) : k_(k) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& out = args.output_descs[0];
    KILN_CUDA_RETURN_IF_ERROR(kernels::EyeLike(static_cast<int>(DataTypeSize(out.dtype)),
                                               OneBits(out.dtype), out.dims[0], out.dims[1], k_,
                                               args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  int64_t k_;
};

class EyeLikeTactic : public CudaTactic {
 public:
  EyeLikeTactic()
      : CudaTactic("cuda.eye_like.kernel.any", kEyeLikeOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.outputs[0].rank() != 2) {
      return absl::UnimplementedError(
          absl::StrCat("output has rank ", node.outputs[0].rank(), "; expected 2"));
    }
    return EyeLikeParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<EyeLikeParams> params = EyeLikeParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<EyeLikeKernel>(params->k));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<EyeLikeTactic>());

}  // namespace cuda
}  // namespace kiln
