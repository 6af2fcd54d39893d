#ifndef KILN_OPS_MATMUL_H_
#define KILN_OPS_MATMUL_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"
#include "ops/activation.h"

namespace kiln {

inline constexpr char kMatMulOp[] = "MatMul";

// numpy.matmul of inputs [a, b]: the last two dims are the matrices, the dims
// before them are batch dims broadcast numpy-style; a 1-D a is promoted to
// (1, K) and a 1-D b to (K, 1), and the added dim is removed from the output.
// transpose_a / transpose_b (0 or 1) swap the last two dims of a 2-D or
// higher operand first; on a 1-D operand they are an error (ambiguous).
// Both inputs are fp32 or fp16; the output has a's type. `activation`
// (attribute "activation", absent = none) is applied to the product; only
// fusable types are accepted (IsFusableActivation: ReLU, GELU).
struct MatMulParams {
  bool transpose_a = false;
  bool transpose_b = false;
  std::optional<ActivationType> activation;

  AttrMap ToAttrs() const;
  static absl::StatusOr<MatMulParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddMatMul(NetworkDefinition& network, absl::string_view name, TensorId a,
                                   TensorId b, const MatMulParams& params = {});

}  // namespace kiln

#endif  // KILN_OPS_MATMUL_H_
