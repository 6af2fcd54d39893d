#include "ops/logical.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/broadcast.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

constexpr LogicalOp kAllOps[] = {LogicalOp::kAnd, LogicalOp::kOr, LogicalOp::kXor, LogicalOp::kNot};

absl::StatusOr<std::vector<TensorDesc>> InferLogical(const InferenceContext& ctx) {
  absl::StatusOr<LogicalParams> params = LogicalParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const size_t expected = params->op == LogicalOp::kNot ? 1 : 2;
  if (ctx.inputs.size() != expected) {
    return ctx.Error("'", LogicalOpName(params->op), "' takes ", expected, " input(s); got ",
                     ctx.inputs.size());
  }
  for (const TensorDesc& in : ctx.inputs) {
    if (in.dtype != DataType::kBool) {
      return ctx.Error("input '", in.name, "' is ", DataTypeName(in.dtype),
                       "; logical ops take bool (compare or Cast first)");
    }
  }
  TensorDesc out;
  out.dtype = DataType::kBool;
  out.dims = ctx.inputs[0].dims;
  if (expected == 2) {
    absl::StatusOr<Dims> dims = BroadcastDims(ctx.inputs[0].dims, ctx.inputs[1].dims);
    if (!dims.ok()) {
      return ctx.Error("'", ctx.inputs[0].name, "' and '", ctx.inputs[1].name,
                       "' do not broadcast: ", dims.status().message());
    }
    out.dims = *dims;
  }
  return std::vector<TensorDesc>{out};
}

OpSchema MakeLogicalSchema() {
  OpSchema schema;
  schema.name = kLogicalOp;
  schema.min_inputs = 1;
  schema.max_inputs = 2;
  schema.infer = InferLogical;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeLogicalSchema());

absl::string_view LogicalOpName(LogicalOp op) {
  switch (op) {
    case LogicalOp::kAnd: return "and";
    case LogicalOp::kOr: return "or";
    case LogicalOp::kXor: return "xor";
    case LogicalOp::kNot: return "not";
  }
  return "unknown";
}

AttrMap LogicalParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("op", std::string(LogicalOpName(op)));
  return attrs;
}

absl::StatusOr<LogicalParams> LogicalParams::FromAttrs(const AttrMap& attrs) {
  KILN_ASSIGN_OR_RETURN(std::string name, attrs.GetString("op", "and"));
  for (LogicalOp op : kAllOps) {
    if (LogicalOpName(op) == name) return LogicalParams{op};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown logical op '", name, "'; expected and, or, xor or not"));
}

absl::StatusOr<TensorId> AddLogical(NetworkDefinition& network, absl::string_view name, TensorId a,
                                    TensorId b, LogicalOp op) {
  return network.AddLayer1(name, kLogicalOp, {a, b}, LogicalParams{op}.ToAttrs());
}

absl::StatusOr<TensorId> AddLogicalNot(NetworkDefinition& network, absl::string_view name,
                                       TensorId a) {
  return network.AddLayer1(name, kLogicalOp, {a}, LogicalParams{LogicalOp::kNot}.ToAttrs());
}

}  // namespace kiln
