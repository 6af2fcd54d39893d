#ifndef KILN_OPTIMIZER_PASSES_FUSE_GELU_H_
#define KILN_OPTIMIZER_PASSES_FUSE_GELU_H_

#include <string>
#include <utility>
#include <vector>

#include "optimizer/passes/pass.h"

namespace kiln {

// Turns the GELU that exporters write as separate layers,
//   y = 0.5 * x * (1 + erf(x / sqrt(2))),
// into one Activation layer of type kGelu (ops/activation.h), which computes
// exactly that function. Accepted forms: x / 1.4142135 or x * 0.70710677
// (either operand order of the Mul); Erf; + 1 (either order); then the three
// factors x, (1 + erf) and 0.5 multiplied in any grouping exporters write:
// (x * 0.5) * (1 + erf), (x * (1 + erf)) * 0.5 or x * ((1 + erf) * 0.5),
// each Mul in either operand order. Constants are one-element and must hold
// their value within 1e-6 relative (fp16 ones: the fp16 value nearest to it);
// every intermediate must be read only by the next layer of the pattern, not
// be a network output, and keep x's dims (no constant may broadcast). The
// fused layer takes the name of the pattern's first layer and writes its last
// layer's output tensor (same name, so bindings and outputs are unchanged).
//
// The tanh form, 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))),
// becomes one Activation of type kGeluTanh (a different function from the
// erf GELU, by up to about 5e-4, so it gets its own type). Accepted: x^3 as
// Pow(x, 3), x * (x * x) or (x * x) * x; 0.044715 * x^3, x + that and
// sqrt(2/pi) * (...) with the operands of each in either order; then
// 1 + tanh and the products of x, (1 + tanh) and 0.5 as for erf. The same
// rules hold for constants and intermediates (x itself may have any number of
// readers). Forms that regroup the argument (sqrt(2/pi) * x * (1 + 0.044715
// x^2), or the Mul distributed) are left as they are.
//
// Runs before fuse-conv-epilogue, so a Convolution followed by a decomposed
// GELU ends as one Convolution with a fused Gelu.
class FuseGelu : public Pass {
 public:
  // Fuses when any backend has an Activation tactic.
  FuseGelu() = default;
  // Fuses only when one of `backends` (the build's) has an Activation tactic,
  // so a build never makes a layer that none of its backends runs.
  explicit FuseGelu(std::vector<std::string> backends) : backends_(std::move(backends)) {}

  absl::string_view name() const override { return "fuse-gelu"; }
  absl::StatusOr<bool> Run(Graph& graph, Logger* logger) override;

 private:
  std::vector<std::string> backends_;
};

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_FUSE_GELU_H_
