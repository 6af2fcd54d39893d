#ifndef KILN_OPTIMIZER_PASSES_FOLD_ATTENTION_TRANSPOSES_H_
#define KILN_OPTIMIZER_PASSES_FOLD_ATTENTION_TRANSPOSES_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// Folds the head transposes around an Attention layer into the layer: a
// transformer splits each projection [B, S, H·D] into heads with a Reshape
// to [B, S, H, D] (a view) and a Transpose to [B, H, S, D] (a copy), and
// merges the heads of the output back with the inverse Transpose and a
// Reshape. When
//   - Q, K and V are each written by a Shuffle that only transposes, with
//     permutation [0, 2, 1, 3], read by that Attention layer alone, and
//   - the output is read by one such Shuffle alone (not a network output),
// the Attention layer takes the three Shuffles' inputs in layout bshd
// (ops/attention.h), writes the output Shuffle's tensor (same name, so
// bindings are unchanged), and the four Shuffles go: four copies of every
// activation of the layer fewer, which kernels read through strides instead.
//
// Runs after fuse-attention (which leaves BERT's key Transpose with the
// permutation [0, 2, 1, 3] composed from the exporter's two). Fuses only
// where a tactic of the build's backends runs the layer in layout bshd.
class FoldAttentionTransposes : public Pass {
 public:
  // Folds when any backend's tactic runs the folded layer.
  FoldAttentionTransposes() = default;
  explicit FoldAttentionTransposes(std::vector<std::string> backends)
      : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fold-attention-transposes"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FOLD_ATTENTION_TRANSPOSES_H_
