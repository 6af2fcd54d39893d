#ifndef KILN_OPS_ACTIVATION_H_
#define KILN_OPS_ACTIVATION_H_

#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
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
enum class ActivationType {
  kRelu, kSigmoid, kTanh, kLeakyRelu, kElu, kSelu, kClip, kSoftplus, kSoftsign,
  kHardSigmoid, kScaledTanh, kThresholdedRelu, kGelu, kHardSwish,
};

absl::string_view ActivationTypeName(ActivationType type);  // "relu", "leaky_relu", ...

struct ActivationParams {
  ActivationType type = ActivationType::kRelu;
  float alpha = 0.0f;
  float beta = 0.0f;

  AttrMap ToAttrs() const;
  static absl::StatusOr<ActivationParams> FromAttrs(const AttrMap& attrs);
};

// Applies `params` elementwise; the output has the input's shape and type.
absl::StatusOr<TensorId> AddActivation(NetworkDefinition& network, absl::string_view name,
                                       TensorId input, const ActivationParams& params);

}  // namespace kiln

#endif  // KILN_OPS_ACTIVATION_H_
