#ifndef KILN_OPTIMIZER_PASSES_FUSE_POINTWISE_H_
#define KILN_OPTIMIZER_PASSES_FUSE_POINTWISE_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// Turns each maximal chain of >= 2 consecutive element-wise layers into one
// PointwiseChain layer (ops/pointwise_chain.h), so the chain is one pass over
// memory instead of one per layer. The layers that join a chain:
//   Activation (any type), Unary (any op),
//   Scale in uniform mode whose shift, scale and power are constants,
//   ElementWise whose other operand is a one-element constant (either side),
//   PointwiseChain (an existing chain grows instead of starting another).
// A layer joins the chain before it only when the tensor between them is
// float, read by that layer alone and not a network output, and while the
// chain stays within kMaxPointwiseChainSteps. The fused layer takes the
// first layer's name and writes the last layer's output tensor (same name,
// so bindings and outputs are unchanged).
//
// Runs after fuse-conv-epilogue, so an Activation after a Convolution goes
// into the convolution's epilogue rather than into a chain.
class FusePointwise : public Pass {
 public:
  // Fuses when any backend has a PointwiseChain tactic.
  FusePointwise() = default;
  // Fuses only when one of `backends` (the build's) has a PointwiseChain
  // tactic, so a build never makes a layer that none of its backends runs.
  explicit FusePointwise(std::vector<std::string> backends) : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fuse-pointwise"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_POINTWISE_H_
