#include "ops/compare.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/broadcast.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

constexpr CompareOp kAllOps[] = {CompareOp::kEqual, CompareOp::kLess, CompareOp::kLessOrEqual,
                                 CompareOp::kGreater, CompareOp::kGreaterOrEqual};

bool IsComparableType(DataType type) {
  return IsFloatType(type) || type == DataType::kInt32 || type == DataType::kInt64 ||
         type == DataType::kBool;
}

absl::StatusOr<std::vector<TensorDesc>> InferCompare(const InferenceContext& ctx) {
  absl::StatusOr<CompareParams> params = CompareParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& a = ctx.inputs[0];
  const TensorDesc& b = ctx.inputs[1];
  if (!IsComparableType(a.dtype)) {
    return ctx.Error("input '", a.name, "' is ", DataTypeName(a.dtype),
                     "; Compare takes fp32, fp16, int32, int64 or bool");
  }
  absl::StatusOr<Dims> dims = SameTypeBroadcastDims(a, b);
  if (!dims.ok()) return ctx.Error(dims.status().message());
  TensorDesc out;
  out.dtype = DataType::kBool;
  out.dims = *dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeCompareSchema() {
  OpSchema schema;
  schema.name = kCompareOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferCompare;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeCompareSchema());

absl::string_view CompareOpName(CompareOp op) {
  switch (op) {
    case CompareOp::kEqual: return "equal";
    case CompareOp::kLess: return "less";
    case CompareOp::kLessOrEqual: return "less_or_equal";
    case CompareOp::kGreater: return "greater";
    case CompareOp::kGreaterOrEqual: return "greater_or_equal";
  }
  return "unknown";
}

AttrMap CompareParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("op", std::string(CompareOpName(op)));
  return attrs;
}

absl::StatusOr<CompareParams> CompareParams::FromAttrs(const AttrMap& attrs) {
  KILN_ASSIGN_OR_RETURN(std::string name, attrs.GetString("op", "equal"));
  for (CompareOp op : kAllOps) {
    if (CompareOpName(op) == name) return CompareParams{op};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown comparison '", name,
                   "'; expected equal, less, less_or_equal, greater or greater_or_equal"));
}

absl::StatusOr<TensorId> AddCompare(NetworkDefinition& network, absl::string_view name, TensorId a,
                                    TensorId b, CompareOp op) {
  return network.AddLayer1(name, kCompareOp, {a, b}, CompareParams{op}.ToAttrs());
}

}  // namespace kiln
