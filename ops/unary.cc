#include "ops/unary.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

constexpr UnaryOp kAllOps[] = {
    UnaryOp::kExp,   UnaryOp::kLog,   UnaryOp::kSqrt, UnaryOp::kRecip, UnaryOp::kAbs,
    UnaryOp::kNeg,   UnaryOp::kSin,   UnaryOp::kCos,  UnaryOp::kTan,   UnaryOp::kAsin,
    UnaryOp::kAcos,  UnaryOp::kAtan,  UnaryOp::kSinh, UnaryOp::kCosh,  UnaryOp::kAsinh,
    UnaryOp::kAcosh, UnaryOp::kAtanh, UnaryOp::kCeil, UnaryOp::kFloor, UnaryOp::kRound,
    UnaryOp::kErf,   UnaryOp::kSign,
};

absl::StatusOr<std::vector<TensorDesc>> InferUnary(const InferenceContext& ctx) {
  absl::StatusOr<UnaryParams> params = UnaryParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  if (!IsFloatType(ctx.inputs[0].dtype)) {
    return ctx.Error("input '", ctx.inputs[0].name, "' is ", DataTypeName(ctx.inputs[0].dtype),
                     "; Unary takes fp32 or fp16");
  }
  return std::vector<TensorDesc>{ctx.inputs[0]};
}

OpSchema MakeUnarySchema() {
  OpSchema schema;
  schema.name = kUnaryOp;
  schema.infer = InferUnary;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeUnarySchema());

absl::string_view UnaryOpName(UnaryOp op) {
  switch (op) {
    case UnaryOp::kExp: return "exp";
    case UnaryOp::kLog: return "log";
    case UnaryOp::kSqrt: return "sqrt";
    case UnaryOp::kRecip: return "recip";
    case UnaryOp::kAbs: return "abs";
    case UnaryOp::kNeg: return "neg";
    case UnaryOp::kSin: return "sin";
    case UnaryOp::kCos: return "cos";
    case UnaryOp::kTan: return "tan";
    case UnaryOp::kAsin: return "asin";
    case UnaryOp::kAcos: return "acos";
    case UnaryOp::kAtan: return "atan";
    case UnaryOp::kSinh: return "sinh";
    case UnaryOp::kCosh: return "cosh";
    case UnaryOp::kAsinh: return "asinh";
    case UnaryOp::kAcosh: return "acosh";
    case UnaryOp::kAtanh: return "atanh";
    case UnaryOp::kCeil: return "ceil";
    case UnaryOp::kFloor: return "floor";
    case UnaryOp::kRound: return "round";
    case UnaryOp::kErf: return "erf";
    case UnaryOp::kSign: return "sign";
  }
  return "unknown";
}

AttrMap UnaryParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("op", std::string(UnaryOpName(op)));
  return attrs;
}

absl::StatusOr<UnaryParams> UnaryParams::FromAttrs(const AttrMap& attrs) {
  KILN_ASSIGN_OR_RETURN(std::string name, attrs.GetString("op", "exp"));
  for (UnaryOp op : kAllOps) {
    if (UnaryOpName(op) == name) return UnaryParams{op};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown unary op '", name,
      "'; expected exp, log, sqrt, recip, abs, neg, sin, cos, tan, asin, acos, atan, sinh, cosh, "
      "asinh, acosh, atanh, ceil, floor, round, erf or sign"));
}

absl::StatusOr<TensorId> AddUnary(NetworkDefinition& network, absl::string_view name,
                                  TensorId input, UnaryOp op) {
  return network.AddLayer1(name, kUnaryOp, {input}, UnaryParams{op}.ToAttrs());
}

}  // namespace kiln
