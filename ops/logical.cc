#include "ops/logical.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/op_registry.h"

namespace kiln {
namespace {

constexpr LogicalOp kAllOps[] = {LogicalOp::kAnd, LogicalOp::kOr, LogicalOp::kXor, LogicalOp::kNot};

// Output dims of numpy broadcasting `a` with `b`.
absl::StatusOr<Dims> BroadcastDims(const Dims& a, const Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const size_t from_end = rank - 1 - i;
    const int64_t da = from_end < a.size() ? a[a.size() - 1 - from_end] : 1;
    const int64_t db = from_end < b.size() ? b[b.size() - 1 - from_end] : 1;
    if (da != db && da != 1 && db != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          DimsString(a), " vs ", DimsString(b), ": dim ", i, " of the result would need ", da,
          " and ", db, " (dims are right-aligned; each pair must be equal or one of them 1)"));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

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
