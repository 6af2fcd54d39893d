#ifndef KILN_OPS_ATTENTION_H_
#define KILN_OPS_ATTENTION_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kAttentionOp[] = "Attention";

// Scaled dot-product attention (made by the fuse-attention pass, or added
// with AddAttention):
//   Y = softmax(scale * Q Kᵀ + mask + causal) V,  softmax over the last axis.
// Inputs: Q [B, H, Sq, D], K [B, H, Sk, D], V [B, H, Sk, Dv], all of one float
// type (fp32 or fp16), and an optional additive mask (input 3, fp32 or fp16,
// any float tensor, constant or not) that broadcasts numpy-style to
// [B, H, Sq, Sk]. With `causal`, query i does not see key j > i + (Sk - Sq)
// (its logit is -inf): the queries are the last Sq of the Sk positions, as
// in decoding with a cache. Output: [B, H, Sq, Dv] of Q's type.
//
// Computed in fp32 throughout; fp16 tensors are rounded once, at the output.
//
// A row whose logits are all -inf (every key masked by the mask, by causal,
// or both; e.g. causal with Sq > Sk, or a padded query row) gives zeros.
// The unfused ONNX math (MatMul, Div, Add, Softmax, MatMul) gives NaN
// there: softmax computes exp(-inf - (-inf)). A NaN row would poison
// everything downstream (a LayerNorm, the next layer's matmul), and no
// NaN-free result a user could want is lost by choosing zeros, which is what
// fused kernels (FlashAttention, cuDNN SDPA) produce for such rows. NaN or
// +inf in the inputs still propagate as in the unfused math.
//
// Layout (attribute "layout"): "bhsd", the default, is the one above. With
// "bshd" every tensor has its sequence axis before its heads: Q [B, Sq, H, D],
// K [B, Sk, H, D], V [B, Sk, H, Dv], output [B, Sq, H, Dv] (the mask still
// broadcasts to [B, H, Sq, Sk]). That is the layout a linear projection
// writes once its last axis is split into heads, so a transformer's head
// transposes go (the fold-attention-transposes pass); fused kernels read it
// through strides. With "packed_qkv" input 0 holds Q, K and V together as
// [B, S, 3, H, D] (what one projection of width 3·H·D writes once split into
// heads: the fuse-qkv pass), inputs 1 and 2 are omitted, Sq = Sk = S and
// Dv = D; the output is [B, S, H, D].
enum class AttentionLayout { kBhsd, kBshd, kPackedQkv };

struct AttentionParams {
  float scale = 1.0f;  // > 0 and finite; attribute "scale" is required
  bool causal = false;
  AttentionLayout layout = AttentionLayout::kBhsd;

  AttrMap ToAttrs() const;  // "scale", "causal" (0/1), "layout" when not bhsd
  static absl::StatusOr<AttentionParams> FromAttrs(const AttrMap& attrs);
};

// "bhsd" / "bshd" / "packed_qkv".
absl::string_view AttentionLayoutName(AttentionLayout layout);

// The sizes of an Attention layer and where its layout keeps Q, K, V and the
// output: element strides between batch items, heads and sequence positions
// (a head's D elements are contiguous), and for packed_qkv the offsets of K
// and V from Q in input 0. What every tactic indexes with.
struct AttentionGeometry {
  struct Strides {
    int64_t batch = 0, head = 0, seq = 0;
  };
  int64_t batch = 0, heads = 0, sq = 0, sk = 0, d = 0, dv = 0;
  Strides q, k, v, out;
  int64_t k_offset = 0, v_offset = 0;  // packed_qkv: K and V start this far after Q
};
// From the dims of the layer's inputs 0..2 (as validation checked them; K
// and V are ignored for packed_qkv).
AttentionGeometry AttentionGeometryOf(AttentionLayout layout, const Dims& q, const Dims& k,
                                      const Dims& v);

// `mask` -1: no mask.
absl::StatusOr<TensorId> AddAttention(NetworkDefinition& network, absl::string_view name,
                                      TensorId q, TensorId k, TensorId v, TensorId mask,
                                      const AttentionParams& params);

}  // namespace kiln

#endif  // KILN_OPS_ATTENTION_H_
