// cuda Attention, kiln's own kernels, all taking any shape per run (so they
// serve dynamic-shape profiles):
//   cuda.attention.kernel.<fp32|fp16>: a warp per query row, online softmax
//     in fp32 (kernels/attention.cu), for every shape, mask and type the op
//     allows, so that the fuse-attention pass never leaves a network that
//     cuda cannot build;
//   cuda.attention.chunked.<fp32|fp16>: the same, keys 32 at a time (a lane
//     per key), for heads up to 256 wide;
//   cuda.attention.flash.fp16: tensor cores, 64 query rows by 64 keys per
//     step (kernels/attention_flash.cu), for D == Dv in {16, 32, 64, 96, 128}.
// cuDNN's fused SDPA (attention_sdpa.cc, linked with this file) is fast too
// but fixes its shapes at build; the builder times them all.
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

enum class Variant { kRows, kChunked, kFlash };

const char* VariantName(Variant v) {
  switch (v) {
    case Variant::kRows: return "kernel";
    case Variant::kChunked: return "chunked";
    case Variant::kFlash: return "flash";
  }
  return "?";
}

// The layer's geometry at `inputs` (its Q, K, V dims).
AttentionGeometry GeometryOf(const AttentionParams& params, absl::Span<const TensorDesc> inputs) {
  const bool packed = params.layout == AttentionLayout::kPackedQkv;
  return AttentionGeometryOf(params.layout, inputs[0].dims, packed ? Dims{} : inputs[1].dims,
                             packed ? Dims{} : inputs[2].dims);
}

// The kernels' view of geometry `g` (the mask strides are set by the
// caller): sizes, strides, scale and causal.
kernels::AttentionShape ShapeOf(const AttentionParams& params, const AttentionGeometry& g) {
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
  s.scale = params.scale;
  s.causal = params.causal;
  return s;
}

class AttentionKernel : public Kernel {
 public:
  AttentionKernel(DataType dtype, AttentionParams params, Variant variant)
      : dtype_(dtype), params_(params), variant_(variant) {}

  absl::Status Run(const KernelArgs& args) const override {
    const bool packed = params_.layout == AttentionLayout::kPackedQkv;
    const AttentionGeometry g = GeometryOf(params_, args.input_descs);
    kernels::AttentionShape s = ShapeOf(params_, g);
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
      auto* out = static_cast<__half*>(args.outputs[0]);
      // Bindings a caller offset by a few bytes run the chunked kernel, whose
      // loads are per element (the same results up to rounding).
      if (variant_ == Variant::kFlash &&
          kernels::AttentionFlashSupportsPointers(t[0], t[1], t[2], out)) {
        KILN_CUDA_RETURN_IF_ERROR(
            kernels::AttentionFlash(s, t[0], t[1], t[2], mask, mask_is_half, out, stream));
        return absl::OkStatus();
      }
      auto* attention = variant_ == Variant::kRows ? &kernels::Attention<__half>
                                                   : &kernels::AttentionChunked<__half>;
      KILN_CUDA_RETURN_IF_ERROR(attention(s, t[0], t[1], t[2], mask, mask_is_half, out, stream));
    } else {
      const auto t = qkv(static_cast<const float*>(args.inputs[0]));
      auto* attention = variant_ == Variant::kRows ? &kernels::Attention<float>
                                                   : &kernels::AttentionChunked<float>;
      KILN_CUDA_RETURN_IF_ERROR(attention(s, t[0], t[1], t[2], mask, mask_is_half,
                                          static_cast<float*>(args.outputs[0]), stream));
    }
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  AttentionParams params_;
  Variant variant_;
};

class AttentionTactic : public CudaTactic {
 public:
  // cuda.attention.<kernel|chunked|flash>.<dtype>: kernels::Attention,
  // kernels::AttentionChunked (head size up to kMaxChunkedAttentionD) or
  // kernels::AttentionFlash (fp16 only).
  AttentionTactic(DataType dtype, Variant variant)
      : CudaTactic(absl::StrCat("cuda.attention.", VariantName(variant), ".", DataTypeName(dtype)),
                   kAttentionOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype),
        variant_(variant) {}

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
    const kernels::AttentionShape s = ShapeOf(params, GeometryOf(params, node.inputs));
    if (variant_ != Variant::kRows && s.d > kernels::kMaxChunkedAttentionD) {
      return absl::UnimplementedError(
          absl::StrCat("head size ", s.d, " is above ", kernels::kMaxChunkedAttentionD));
    }
    if (variant_ == Variant::kFlash && !kernels::AttentionFlashSupports(s)) {
      return absl::UnimplementedError(absl::StrCat(
          "the tensor-core kernel takes D == Dv in {16, 32, 64, 96, 128} and Q/K/V strides "
          "that are multiples of 8 elements; this layer has D ",
          s.d, ", Dv ", s.dv, ", Q strides ", s.q.batch, "/", s.q.head, "/", s.q.seq));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(AttentionParams params, AttentionParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<AttentionKernel>(dtype_, params, variant_));
  }

 private:
  DataType dtype_;
  Variant variant_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat32, Variant::kRows));
KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat16, Variant::kRows));
KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat32, Variant::kChunked));
KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat16, Variant::kChunked));
KILN_REGISTER_TACTIC(std::make_unique<AttentionTactic>(DataType::kFloat16, Variant::kFlash));

}  // namespace cuda
}  // namespace kiln
