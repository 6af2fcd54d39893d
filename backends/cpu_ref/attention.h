#ifndef KILN_BACKENDS_CPU_REF_ATTENTION_H_
#define KILN_BACKENDS_CPU_REF_ATTENTION_H_

// The reference Attention: the unfused math, per query row, in the order the
// reference kernels of the layers it replaces compute it (MatMul's k-ordered
// dot products, the scale, the mask add, SoftMax's max / exp / sum / divide,
// MatMul's j-ordered weighted sum of V), so that on fp32 tensors a fused
// layer matches the unfused network to rounding (a Div by c becomes a
// multiplication by 1/c). The cpu_ref MatMul and SoftMax kernels keep no
// per-row helpers to call: their loops are over whole tensors.

#include <cstdint>

#include "backends/cpu_ref/common.h"
#include "ops/attention.h"

namespace kiln {
namespace cpu_ref {

// out [B, H, Sq, Dv] = Attention(q [B, H, Sq, D], k [B, H, Sk, D],
// v [B, H, Sk, Dv], mask) in fp32, each tensor where `g` says (its strides;
// for packed_qkv, k and v point into q's buffer). `mask` may be nullptr; otherwise
// `mask_strides` are its 4 element strides against [B, H, Sq, Sk] (from
// BroadcastStrides). `logits` is scratch of Sk floats. A row whose logits
// are all -inf is written as zeros (ops/attention.h says why).
void AttentionFp32(const AttentionParams& params, const AttentionGeometry& g, const float* q,
                   const float* k, const float* v, const float* mask, const SmallDims& mask_strides,
                   float* logits, float* out);

}  // namespace cpu_ref
}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_ATTENTION_H_
