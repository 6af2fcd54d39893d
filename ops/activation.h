#ifndef KILN_OPS_ACTIVATION_H_
#define KILN_OPS_ACTIVATION_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"

namespace kiln {

inline constexpr char kActivationOp[] = "Activation";

// Elementwise activations. alpha/beta meaning per type:
//   kRelu: max(x, 0)                     kLeakyRelu: x < 0 ? alpha*x : x
//   kSigmoid: 1/(1+e^-x)                 kElu: x < 0 ? alpha*(e^x-1) : x
//   kTanh: tanh(x)                       kSelu: beta*(x < 0 ? alpha*(e^x-1) : x)
//   kClip: min(max(x, alpha), beta)      kSoftplus: log(1+e^x)
//   kSoftsign: x/(1+|x|)                 kHardSigmoid: max(0, min(1, alpha*x+beta))
//   kScaledTanh: alpha*tanh(beta*x)      kThresholdedRelu: x > alpha ? x : 0
//   kGelu: x*Phi(x) (erf form)           kHardSwish: x*max(0, min(1, x/6+1/2))
//   kGeluTanh: the tanh form of GELU, 0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x^3)))
//              (ONNX Gelu with approximate="tanh"; cuBLASLt's GELU epilogue)
enum class ActivationType {
  kRelu,
  kSigmoid,
  kTanh,
  kLeakyRelu,
  kElu,
  kSelu,
  kClip,
  kSoftplus,
  kSoftsign,
  kHardSigmoid,
  kScaledTanh,
  kThresholdedRelu,
  kGelu,
  kHardSwish,
  kGeluTanh,
};

absl::string_view ActivationTypeName(ActivationType type);  // "relu", "leaky_relu", ...
// The inverse of ActivationTypeName; an unknown name is an error listing the known ones.
absl::StatusOr<ActivationType> ActivationTypeFromName(absl::string_view name);

struct ActivationParams {
  ActivationType type = ActivationType::kRelu;
  float alpha = 0.0f;
  float beta = 0.0f;

  AttrMap ToAttrs() const;
  static absl::StatusOr<ActivationParams> FromAttrs(const AttrMap& attrs);
};

// The optional "activation" attribute of layers that apply an activation to
// their own output (FullyConnected, MatMul; set by the fuse-activation pass):
// absent means none; present, it is applied last (after the bias) with the
// Activation op's formula. The types that GEMM epilogues run can be fused:
// ReLU, GELU (erf form) and GELU (tanh form, which is exactly cuBLASLt's GELU
// epilogue). Which of them a backend's tactics take is the tactic's Supports;
// the fuse-activation pass fuses only what a tactic of the build runs.
inline constexpr char kFusedActivationAttr[] = "activation";
bool IsFusableActivation(ActivationType type);
// Reads the attribute; a type that cannot be fused is an error saying so.
absl::StatusOr<std::optional<ActivationType>> GetFusedActivation(const AttrMap& attrs);
// Sets the attribute, or leaves it absent for std::nullopt.
void SetFusedActivation(std::optional<ActivationType> activation, AttrMap& attrs);

// The fused activation of a Convolution: any type, with its alpha and beta
// (attributes "activation", "activation_alpha", "activation_beta"). Every
// backend applies it with the Activation op's formulas (cuda with its own
// epilogue kernel, not a library epilogue), so any type can be fused.
absl::StatusOr<std::optional<ActivationParams>> GetFusedActivationParams(const AttrMap& attrs);
void SetFusedActivationParams(const std::optional<ActivationParams>& activation, AttrMap& attrs);

// Applies `params` elementwise; the output has the input's shape and type.
absl::StatusOr<TensorId> AddActivation(NetworkDefinition& network, absl::string_view name,
                                       TensorId input, const ActivationParams& params);

}  // namespace kiln

#endif  // KILN_OPS_ACTIVATION_H_
