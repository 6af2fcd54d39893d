#ifndef KILN_OPTIMIZER_PASSES_FUSE_MATMUL_BIAS_H_
#define KILN_OPTIMIZER_PASSES_FUSE_MATMUL_BIAS_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// Turns a linear layer as exporters write it, MatMul(x, W) then an Add of a
// bias vector (ONNX MatMul + Add: every projection of a transformer), into
// one FullyConnected layer, y = x · Wᵀ' + b over the last axis of x, so the
// bias runs in the GEMM's epilogue instead of as a separate pass over memory.
// Applies when W is a constant 2-D matrix ([K, N], or [N, K] with
// transpose_b), x is not a constant and not transposed (rank >= 2), the
// MatMul has no fused activation, its output is read only by the Add and is
// not a network output, and the other Add operand is a constant holding N
// values along the last axis (dims 1 elsewhere) of W's type. W is stored
// transposed to FullyConnected's [N, K] at build time. The fused layer takes
// the MatMul's name and writes the Add's output tensor.
//
// Runs before fuse-activation, which can then fuse a ReLU into the
// FullyConnected.
class FuseMatMulBias : public Pass {
 public:
  // Fuses when any backend has a FullyConnected tactic.
  FuseMatMulBias() = default;
  // Fuses only when one of `backends` (the build's) has a FullyConnected
  // tactic.
  explicit FuseMatMulBias(std::vector<std::string> backends) : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fuse-matmul-bias"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_MATMUL_BIAS_H_
