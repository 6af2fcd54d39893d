#ifndef KILN_OPTIMIZER_PASSES_FUSE_EMBEDDING_LAYER_NORM_H_
#define KILN_OPTIMIZER_PASSES_FUSE_EMBEDDING_LAYER_NORM_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// A transformer's embedding layer, LN(Gather(word table, ids) [+ Gather(type
// table, type ids)] [+ dense addend]), becomes one EmbeddingLayerNorm layer
// (ops/embedding_layer_norm.h), so the gathered rows and their sums are never
// written to memory: BERT's word and token-type gathers, the Adds and the
// LayerNorm over the (folded) position embeddings.
//
// Matches a LayerNormalization over the last axis whose Scale and B are
// constants of C elements (C: the last dim), whose Mean and InvStdDev are
// unread, and whose input (plus its Skip, when fuse-skip-layer-norm gave it
// one) is a tree of ElementWise sums over leaves: one or two Gathers along
// axis 0 of a constant [V, C] table, and at most one other tensor (the
// addend), which may broadcast over leading dims (the position embeddings
// [1, S, C]; a third Gather, as a dynamic-sequence export computes the
// position embeddings at run time, is taken as that addend and stays a
// layer of its own). Every intermediate (each sum, each gathered tensor) must be read
// only by the next layer of the pattern and not be a network output; all
// tensors have the LN input's float dtype, and the fused layer's dims must be
// the LN output's. The sums keep their order (first gather, second gather,
// addend); the unfused network rounded each sum to its dtype, the fused layer
// sums in fp32. The fused layer takes the LN's name and writes its output.
//
// Runs after fuse-skip-layer-norm and fold-constants (so the position gather
// of constant ids is a constant addend by then). Fuses only where a tactic
// of the build's backends runs the fused layer.
class FuseEmbeddingLayerNorm : public Pass {
 public:
  // Fuses when any backend runs the fused layer.
  FuseEmbeddingLayerNorm() = default;
  // Fuses only when one of `backends` (the build's) runs it.
  explicit FuseEmbeddingLayerNorm(std::vector<std::string> backends)
      : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fuse-embedding-layer-norm"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_EMBEDDING_LAYER_NORM_H_
