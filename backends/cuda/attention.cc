// cuda Attention: cuda.attention.kernel.<fp32|fp16>, kiln's own kernel
// (kernels/attention.cu: a warp per query row, online softmax in fp32) for
// every shape, mask and type the op allows, so that the fuse-attention pass
// never leaves a network that cuda cannot build. cuDNN's fused SDPA
// (attention_sdpa.cc, linked with this file) is the fast tactic where it
// applies; the builder times both.
#include "ops/attention.h"

#include <memory>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class AttentionKernel : public Kernel {
 public:
  AttentionKernel(DataType dtype, AttentionParams params) : dtype_(dtype), params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& q = args.input_descs[0].dims;
    const Dims& k = args.input_descs[1].dims;
    const Dims& v = args.input_descs[2].dims;
    kernels::AttentionShape s;
    s.batch = q[0];
    s.heads = q[1];
    s.sq = q[2];
    s.sk = k[2];
    s.d = q[3];
    s.dv = v[3];
    s.scale = params_.scale;
    s.causal = params_.causal;
    const void* mask = args.inputs.size() > 3 ? args.inputs[3] : nullptr;
    bool mask_is_half = false;
    if (mask != nullptr) {
      kernels::RightAlignedStrides(args.input_descs[3].dims, Dims{s.batch, s.heads, s.sq, s.sk},
                                   s.mask_strides);
      mask_is_half = args.input_descs[3].dtype == DataType::kFloat16;
    }
    cudaStream_t stream = ResourcesOf(args).stream();
    if (dtype_ == DataType::kFloat16) {
      KILN_CUDA_RETURN_IF_ERROR(kernels::Attention<__half>(
          s, static_cast<const __half*>(args.inputs[0]), static_cast<const __half*>(args.inputs[1]),
          static_cast<const __half*>(args.inputs[2]), mask, mask_is_half,
          static_cast<__half*>(args.outputs[0]), stream));
    } else {
      KILN_CUDA_RETURN_IF_ERROR(kernels::Attention<float>(
          s, static_cast<const float*>(args.inputs[0]), static_cast<const float*>(args.inputs[1]),
          static_cast<const float*>(args.inputs[2]), mask, mask_is_half,
          static_cast<float*>(args.outputs[0]), stream));
    }
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  AttentionParams params_;
};

class AttentionTactic : public CudaTactic {
 public:
  explicit AttentionTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.attention.kernel.", DataTypeName(dtype)), kAttentionOp),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    for (int i = 0; i < 3; ++i) {
      if (node.inputs[i].dtype != dtype_) {
        return absl::UnimplementedError(absl::StrCat("input ", i, " is ",
                                                     DataTypeName(node.inputs[i].dtype),
                                                     "; this tactic is ", DataTypeName(dtype_)));
      }
    }
    if (node.has_input(3) && !IsFloatType(node.inputs[3].dtype)) {
      return absl::UnimplementedError("the mask is not fp32 or fp16");
    }
    if (node.has_input(3) && node.inputs[3].rank() > 4) {
      return absl::UnimplementedError("the mask has rank above 4");
    }
    KILN_ASSIGN_OR_RETURN(AttentionParams params, AttentionParams::FromAttrs(node.attrs));
    if (params.layout != AttentionLayout::kBhsd) {
      // The strided kernel for the other layouts is on branch wip/cuda-session5 until
      // its conformance runs on a GPU.
      return absl::UnimplementedError(absl::StrCat("layout ", AttentionLayoutName(params.layout),
                                                   ": this kernel reads bhsd tensors only"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(AttentionParams params, AttentionParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<AttentionKernel>(dtype_, params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
