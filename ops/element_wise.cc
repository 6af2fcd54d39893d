#include "ops/element_wise.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/broadcast.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

constexpr ElementWiseOp kAllOps[] = {ElementWiseOp::kSum, ElementWiseOp::kSub, ElementWiseOp::kProd,
                                     ElementWiseOp::kDiv, ElementWiseOp::kMax, ElementWiseOp::kMin,
                                     ElementWiseOp::kPow};

bool IsElementWiseType(DataType type) {
  return IsFloatType(type) || type == DataType::kInt32 || type == DataType::kInt64;
}

absl::StatusOr<std::vector<TensorDesc>> InferElementWise(const InferenceContext& ctx) {
  absl::StatusOr<ElementWiseParams> params = ElementWiseParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& a = ctx.inputs[0];
  const TensorDesc& b = ctx.inputs[1];
  if (!IsElementWiseType(a.dtype)) {
    return ctx.Error("input '", a.name, "' is ", DataTypeName(a.dtype),
                     "; ElementWise takes fp32, fp16, int32 or int64");
  }
  absl::StatusOr<Dims> dims = SameTypeBroadcastDims(a, b);
  if (!dims.ok()) return ctx.Error(dims.status().message());
  TensorDesc out;
  out.dtype = a.dtype;
  out.dims = *dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeElementWiseSchema() {
  OpSchema schema;
  schema.name = kElementWiseOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferElementWise;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeElementWiseSchema());

absl::string_view ElementWiseOpName(ElementWiseOp op) {
  switch (op) {
    case ElementWiseOp::kSum: return "sum";
    case ElementWiseOp::kSub: return "sub";
    case ElementWiseOp::kProd: return "prod";
    case ElementWiseOp::kDiv: return "div";
    case ElementWiseOp::kMax: return "max";
    case ElementWiseOp::kMin: return "min";
    case ElementWiseOp::kPow: return "pow";
  }
  return "unknown";
}

AttrMap ElementWiseParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("op", std::string(ElementWiseOpName(op)));
  return attrs;
}

absl::StatusOr<ElementWiseParams> ElementWiseParams::FromAttrs(const AttrMap& attrs) {
  KILN_ASSIGN_OR_RETURN(std::string name, attrs.GetString("op", "sum"));
  for (ElementWiseOp op : kAllOps) {
    if (ElementWiseOpName(op) == name) return ElementWiseParams{op};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown element-wise op '", name, "'; expected sum, sub, prod, div, max, min or pow"));
}

absl::StatusOr<TensorId> AddElementWise(NetworkDefinition& network, absl::string_view name,
                                        TensorId a, TensorId b, ElementWiseOp op) {
  return network.AddLayer1(name, kElementWiseOp, {a, b}, ElementWiseParams{op}.ToAttrs());
}

}  // namespace kiln
