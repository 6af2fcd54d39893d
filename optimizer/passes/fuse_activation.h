#ifndef KILN_OPTIMIZER_PASSES_FUSE_ACTIVATION_H_
#define KILN_OPTIMIZER_PASSES_FUSE_ACTIVATION_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// Folds an Activation into the FullyConnected or MatMul that feeds it: when
// the layer's float output is read by that Activation alone, is not a network
// output, and the activation is fusable (IsFusableActivation: ReLU, GELU), the
// layer gets the "activation" attribute and writes the Activation's output
// tensor itself (same name, so bindings and outputs are unchanged), and the
// Activation layer is removed. GEMM tactics then run it as an epilogue
// (cuBLASLt RELU / RELU_BIAS) instead of a second pass over memory.
//
// Fuses only where a tactic of the build's backends runs the layer with that
// activation (a GEMM tactic may run ReLU and not GELU).
class FuseActivation : public Pass {
 public:
  // Fuses where any backend's tactic runs the fused layer.
  FuseActivation() = default;
  explicit FuseActivation(std::vector<std::string> backends) : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fuse-activation"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_ACTIVATION_H_
