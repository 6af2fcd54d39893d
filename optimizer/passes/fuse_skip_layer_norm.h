#ifndef KILN_OPTIMIZER_PASSES_FUSE_SKIP_LAYER_NORM_H_
#define KILN_OPTIMIZER_PASSES_FUSE_SKIP_LAYER_NORM_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// Skip-LayerNorm: the residual Add of a transformer block and the
// LayerNormalization after it, LN(a + b), become one LayerNormalization with
// b as its Skip input, so the sum is never written to memory and read back.
// Applies when the Add is an ElementWise sum of two non-constant tensors of
// the LN input's dtype and dims (no broadcasting), its output is read only by
// the LN and is not a network output, and the LN has no Skip yet. b is the
// operand the Add lists second. Fuses only where a tactic of the build's
// backends runs the fused layer (cpu_ref's does; the Skip input is optional
// for tactics, so one that lacks it keeps the Add and the LN apart).
//
// Runs after fuse-layer-norm (which makes LayerNormalization layers of the
// decomposed form) and before fuse-pointwise (which would take the Add).
class FuseSkipLayerNorm : public Pass {
 public:
  // Fuses when any backend runs the fused layer.
  FuseSkipLayerNorm() = default;
  // Fuses only when one of `backends` (the build's) runs it.
  explicit FuseSkipLayerNorm(std::vector<std::string> backends) : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fuse-skip-layer-norm"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_SKIP_LAYER_NORM_H_
