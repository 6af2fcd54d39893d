// cuda Attention: cuda.attention.kernel.<fp32|fp16>, kiln's own kernel
// (kernels/attention.cu: a warp per query row, online softmax in fp32) for
// every shape, mask and type the op allows, so that the fuse-attention pass
// never leaves a network that cuda cannot build; cuda.attention.chunked.<...>,
// the same kernel taking keys 32 at a time (a lane per key), for heads up to
// 256 wide. cuDNN's fused SDPA
// (attention_sdpa.cc, linked with this file) is the fast tactic where it
// applies; the builder times both.
#include "ops/attention.h"

#include <array>
#include <memory>
#include <type_traits>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/attention.h"
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
  AttentionKernel(DataType dtype, AttentionParams params, bool chunked)
      : dtype_(dtype), params_(params), chunked_(chunked) {}

  absl::Status Run(const KernelArgs& args) const override {
    const bool packed = params_.layout == AttentionLayout::kPackedQkv;
    const AttentionGeometry g = AttentionGeometryOf(params_.layout, args.input_descs[0].dims,
                                                    packed ? Dims{} : args.input_descs[1].dims,
                                                    packed ? Dims{} : args.input_descs[2].dims);
    kernels::AttentionShape s;
    s.batch = g.batch;
    s.heads = g.heads;
    s.sq = g.sq;
    s.sk = g.sk;
    s.d = g.d;
    s.dv = g.dv;
    auto strides = [](const AttentionGeometry::Strides& st) {
      return kernels::AttentionStrides{st.batch, st.head, st.seq};
    };
    s.q = strides(g.q);
    s.k = strides(g.k);
    s.v = strides(g.v);
    s.out = strides(g.out);
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
    // packed_qkv: K and V are in input 0 after Q.
    auto qkv = [&](auto* q) {
      using T = std::remove_const_t<std::remove_pointer_t<decltype(q)>>;
      return std::array<const T*, 3>{
          q, packed ? q + g.k_offset : static_cast<const T*>(args.inputs[1]),
          packed ? q + g.v_offset : static_cast<const T*>(args.inputs[2])};
    };
    if (dtype_ == DataType::kFloat16) {
      const auto t = qkv(static_cast<const __half*>(args.inputs[0]));
      auto* attention = chunked_ ? &kernels::AttentionChunked<__half> : &kernels::Attention<__half>;
      KILN_CUDA_RETURN_IF_ERROR(attention(s, t[0], t[1], t[2], mask, mask_is_half,
                                          static_cast<__half*>(args.outputs[0]), stream));
    } else {
      const auto t = qkv(static_cast<const float*>(args.inputs[0]));
      auto* attention = chunked_ ? &kernels::AttentionChunked<float> : &kernels::Attention<float>;
      KILN_CUDA_RETURN_IF_ERROR(attention(s, t[0], t[1], t[2], mask, mask_is_half,
                                          static_cast<float*>(args.outputs[0]), stream));
    }
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  AttentionParams params_;
  bool chunked_;  // kernels::AttentionChunked, else kernels::Attention
};

class AttentionTactic : public CudaTactic {
 public:
  // chunked: cuda.attention.chunked.<dtype> (kernels::AttentionChunked, head
  // size up to kMaxChunkedAttentionD), else cuda.attention.kernel.<dtype>.
  AttentionTactic(DataType dtype, bool chunked)
      : CudaTactic(
            absl::StrCat("cuda.attention.", chunked ? "chunked." : "kernel.", DataTypeName(dtype)),
            kAttentionOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype),
        chunked_(chunked) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    for (int i = 0; i < 3; ++i) {
      if (!node.has_input(i)) continue;  // K and V of layout packed_qkv
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
    if (chunked_) {
      const bool packed = params.layout == AttentionLayout::kPackedQkv;
      const AttentionGeometry g = AttentionGeometryOf(params.layout, node.inputs[0].dims,
                                                      packed ? Dims{} : node.inputs[1].dims,
                                                      packed ? Dims{} : node.inputs[2].dims);
      if (g.d > kernels::kMaxChunkedAttentionD) {
        return absl::UnimplementedError(
            absl::StrCat("head size ", g.d, " is above ", kernels::kMaxChunkedAttentionD));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(AttentionParams params, AttentionParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<AttentionKernel>(dtype_, params, chunked_));
  }

 private:
  DataType dtype_;
  bool chunked_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat32, /*chunked=*/false));
KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat16, /*chunked=*/false));
KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat32, /*chunked=*/true));
KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat16, /*chunked=*/true));

}  // namespace cuda
}  // namespace kiln
