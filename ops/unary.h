#ifndef KILN_OPS_UNARY_H_
#define KILN_OPS_UNARY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kUnaryOp[] = "Unary";

// Elementwise math on fp32/fp16; the output has the input's shape and type.
// C <cmath> semantics (log(-1) is NaN, recip(0) is inf). kRound rounds
// halves to even (ONNX Round); kSign gives -1, 0 or 1 (NaN stays NaN).
enum class UnaryOp {
  kExp,
  kLog,
  kSqrt,
  kRecip,
  kAbs,
  kNeg,
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kAsinh,
  kAcosh,
  kAtanh,
  kCeil,
  kFloor,
  kRound,
  kErf,
  kSign,
};

absl::string_view UnaryOpName(UnaryOp op);  // "exp", "recip", "asinh", ...

struct UnaryParams {
  UnaryOp op = UnaryOp::kExp;

  AttrMap ToAttrs() const;  // "op"
  static absl::StatusOr<UnaryParams> FromAttrs(const AttrMap& attrs);
};

absl::StatusOr<TensorId> AddUnary(NetworkDefinition& network, absl::string_view name,
                                  TensorId input, UnaryOp op);

}  // namespace kiln

#endif  // KILN_OPS_UNARY_H_
