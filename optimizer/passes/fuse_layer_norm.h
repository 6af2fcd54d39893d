#ifndef KILN_OPTIMIZER_PASSES_FUSE_LAYER_NORM_H_
#define KILN_OPTIMIZER_PASSES_FUSE_LAYER_NORM_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// Turns the LayerNormalization that exporters older than ONNX opset 17 write
// as separate layers back into one LayerNormalization layer (ops/
// layer_normalization.h) over the last axis:
//   m = ReduceMean(x, last axis, keep_dims)   d = x - m
//   v = ReduceMean(d^2, last axis, keep_dims) with d^2 as Pow(d, 2) or d * d
//   n = d / Sqrt(v + eps)                      eps: a one-element constant >= 0
//   y = n * gamma + beta                       gamma, beta: constants of C
//                                              elements (C = x's last dim)
// The Mul by gamma and the Add of beta are each optional and take their
// operands in either order; without them the scale is ones and the bias
// omitted (zero). Every intermediate (m, d, d^2, v, v + eps, its Sqrt, and n
// when gamma or beta follows) must be read only by the next layer of the
// pattern (d by its square and the Div) and not be a network output, and no
// constant may broadcast a tensor to other dims. The fused layer takes the
// first ReduceMean's name and writes the last layer's output tensor (same
// name, so bindings and outputs are unchanged); its Mean and InvStdDev
// outputs are new tensors that nothing reads.
//
// The fused layer accumulates the statistics in double where the layers it
// replaces round each step to the tensor's type, so results differ in the
// last bits (fp32 on cpu_ref: relative L2 error below 1e-6 in the tests).
//
// Runs before fuse-pointwise, which would otherwise take the pattern's
// element-wise tail into PointwiseChain layers.
class FuseLayerNorm : public Pass {
 public:
  // Fuses when any backend has a LayerNormalization tactic.
  FuseLayerNorm() = default;
  // Fuses only when one of `backends` (the build's) has a LayerNormalization
  // tactic, so a build never makes a layer that none of its backends runs.
  explicit FuseLayerNorm(std::vector<std::string> backends) : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fuse-layer-norm"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_LAYER_NORM_H_
