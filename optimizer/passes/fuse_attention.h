#ifndef KILN_OPTIMIZER_PASSES_FUSE_ATTENTION_H_
#define KILN_OPTIMIZER_PASSES_FUSE_ATTENTION_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// Turns scaled dot-product attention, as exporters write it (BERT, GPT-2,
// ViT), into one Attention layer (ops/attention.h):
//   KT = Transpose(src, perm)      a Shuffle that only transposes
//   S  = MatMul(Q, KT)             no transposes, no fused activation
//   S2 = S / c  or  S * c, c * S   optional; c a one-element constant;
//                                  scale 1/c or c (1 without it), > 0
//   S3 = S2 + mask, mask + S2      optional; any float tensor (constant or
//                                  not) that broadcasts to S's dims
//   P  = SoftMax(S3, last axis)
//   Y  = MatMul(P, V)              no transposes, no fused activation
// Q and V are rank 4; Q, K and V are computed tensors (not constants) with
// the same batch and heads (no broadcasting) and one float type. Every
// intermediate (KT, S, S2, S3, P) must be read only by the next layer of the
// pattern and not be a network output.
//
// Attention takes K as [B, H, Sk, D]: KT with its last two axes swapped,
// which is src under perm composed with that swap. That composition is
// usually the identity (KT = Transpose(K, [0, 1, 3, 2])), and then the
// Attention reads src and the Transpose goes; otherwise (BERT's
// KT = Transpose([B, S, H, D], [0, 2, 3, 1]), composed [0, 2, 1, 3]) the
// Transpose layer stays, with the composed permutation and a new output
// tensor "<name>.k". The Attention layer takes the name of the first MatMul
// and writes Y (same tensor and name, so bindings and outputs are unchanged).
//
// The fused layer computes in fp32 what the cpu_ref kernels of the layers
// compute (a Div by c becomes a product with 1/c: fp32 results agree to
// rounding, relative L2 below 1e-6 in the tests), except on rows whose
// logits are all -inf, where the unfused SoftMax gives NaN and Attention
// gives zeros (ops/attention.h says why).
//
// Runs after fuse-layer-norm and fuse-gelu (patterns of their own that do not
// overlap this one) and before fuse-activation, which would fuse an
// activation after the P V MatMul into it (the MatMul then no longer
// matches, and Attention has no fused activation), and fuse-pointwise, which
// would take the scale's Div or Mul into a PointwiseChain.
class FuseAttention : public Pass {
 public:
  // Fuses when any backend has an Attention tactic.
  FuseAttention() = default;
  // Fuses only when one of `backends` (the build's) has an Attention tactic,
  // so a build never makes a layer that none of its backends runs.
  explicit FuseAttention(std::vector<std::string> backends) : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fuse-attention"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_ATTENTION_H_
