#ifndef KILN_OPS_POINTWISE_CHAIN_H_
#define KILN_OPS_POINTWISE_CHAIN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "ops/activation.h"
#include "ops/element_wise.h"
#include "ops/unary.h"

namespace kiln {

inline constexpr char kPointwiseChainOp[] = "PointwiseChain";

// Several element-wise layers run as one (made by the fuse-pointwise pass):
// y = step_n(... step_2(step_1(x))), each step with the formula of the layer
// it replaces, computed in fp32 throughout (fp16 tensors are rounded once,
// at the output, instead of after every layer). One float input (fp32 or
// fp16); the output has its shape, dtype and format.
//
// Capped at kMaxPointwiseChainSteps so a kernel can take the whole chain as
// one launch argument; the pass starts a new chain past the cap.
inline constexpr int kMaxPointwiseChainSteps = 32;

enum class PointwiseStepKind {
  kActivation,   // an Activation layer
  kUnary,        // a Unary layer
  kScale,        // a Scale layer in uniform mode with constant values
  kElementWise,  // an ElementWise layer whose other operand is a one-element constant
};

struct PointwiseStep {
  PointwiseStepKind kind = PointwiseStepKind::kActivation;
  ActivationParams activation;  // kActivation
  UnaryOp unary = UnaryOp::kExp;  // kUnary
  // kScale: (x * scale + shift) ^ power, no power at all unless has_power
  // (ops/scale.h; an omitted scale is 1, an omitted shift 0).
  float scale = 1.0f;
  float shift = 0.0f;
  float power = 1.0f;
  bool has_power = false;
  // kElementWise: x <binary> scalar, or scalar <binary> x when scalar_first
  // (the order matters for sub, div and pow).
  ElementWiseOp binary = ElementWiseOp::kSum;
  float scalar = 0.0f;
  bool scalar_first = false;

  static PointwiseStep Activation(const ActivationParams& params);
  static PointwiseStep Unary(UnaryOp op);
  static PointwiseStep Scale(float scale, float shift, std::optional<float> power);
  static PointwiseStep ElementWise(ElementWiseOp op, float scalar, bool scalar_first);

  // The step's token in the "steps" attribute: "activation:leaky_relu",
  // "unary:exp", "scale", "scale:pow", "element_wise:sub",
  // "element_wise:sub:scalar_first".
  std::string Token() const;
  // For messages and logs: "leaky_relu(alpha=0.1)", "x * 2 + 1", "3 - x".
  std::string ToString() const;

  bool operator==(const PointwiseStep& other) const;
};

// Attributes: "steps", the step tokens joined by ','; "params", 3 floats per
// step: (alpha, beta, 0) for an activation, zeros for a unary op, (scale,
// shift, power) for a scale, (scalar, 0, 0) for an element-wise step.
struct PointwiseChainParams {
  std::vector<PointwiseStep> steps;

  AttrMap ToAttrs() const;
  // Errors name the step ("step 2: ...") and what is wrong with it.
  static absl::StatusOr<PointwiseChainParams> FromAttrs(const AttrMap& attrs);
  std::string ToString() const;  // "relu -> x * 2 + 1 -> tanh"
};

absl::StatusOr<TensorId> AddPointwiseChain(NetworkDefinition& network, absl::string_view name,
                                           TensorId input, const PointwiseChainParams& params);

}  // namespace kiln

#endif  // KILN_OPS_POINTWISE_CHAIN_H_
