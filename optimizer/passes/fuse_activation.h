#ifndef KILN_OPTIMIZER_PASSES_FUSE_ACTIVATION_H_
#define KILN_OPTIMIZER_PASSES_FUSE_ACTIVATION_H_

#include "optimizer/passes/pass.h"

namespace kiln {

// Folds an Activation into the FullyConnected or MatMul that feeds it: when
// the layer's float output is read by that Activation alone, is not a network
// output, and the activation is fusable (IsFusableActivation: ReLU, GELU), the
// layer gets the "activation" attribute and writes the Activation's output
// tensor itself (same name, so bindings and outputs are unchanged), and the
// Activation layer is removed. GEMM tactics then run it as an epilogue
// (cuBLASLt RELU / RELU_BIAS) instead of a second pass over memory.
class FuseActivation : public Pass {
 public:
  absl::string_view name() const override { return "fuse-activation"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_ACTIVATION_H_
