#include "ops/arg_reduce.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferArgReduce(const InferenceContext& ctx) {
  absl::StatusOr<ArgReduceParams> params = ArgReduceParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (!IsFloatType(in.dtype) && in.dtype != DataType::kInt32 && in.dtype != DataType::kInt64 &&
      in.dtype != DataType::kInt8) {
    return ctx.Error("input '", in.name, "' is ", DataTypeName(in.dtype),
                     "; ArgReduce takes fp32, fp16, int32, int64 or int8");
  }
  const int64_t rank = in.rank();
  if (params->axis < -rank || params->axis >= rank) {
    return ctx.Error("axis ", params->axis, " is out of range for input '", in.name, "' of rank ",
                     rank, " (", DimsString(in.dims), "); expected ", -rank, "..", rank - 1);
  }
  const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
  if (in.dims[axis] == 0) {
    return ctx.Error("axis ", params->axis, " of input '", in.name, "' (", DimsString(in.dims),
                     ") is empty; there is no arg", ArgReduceOpName(params->op));
  }
  TensorDesc out;
  out.dtype = DataType::kInt64;
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis) {
      out.dims.push_back(in.dims[d]);
    } else if (params->keepdims) {
      out.dims.push_back(1);
    }
  }
  return std::vector<TensorDesc>{out};
}

OpSchema MakeArgReduceSchema() {
  OpSchema schema;
  schema.name = kArgReduceOp;
  schema.infer = InferArgReduce;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeArgReduceSchema());

absl::string_view ArgReduceOpName(ArgReduceOp op) {
  return op == ArgReduceOp::kMax ? "max" : "min";
}

AttrMap ArgReduceParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("op", std::string(ArgReduceOpName(op)));
  attrs.Set("axis", axis);
  attrs.Set("keepdims", keepdims);
  attrs.Set("select_last_index", select_last_index);
  return attrs;
}

absl::StatusOr<ArgReduceParams> ArgReduceParams::FromAttrs(const AttrMap& attrs) {
  ArgReduceParams params;
  KILN_ASSIGN_OR_RETURN(std::string op, attrs.GetString("op", "max"));
  if (op == "max") {
    params.op = ArgReduceOp::kMax;
  } else if (op == "min") {
    params.op = ArgReduceOp::kMin;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown arg-reduce op '", op, "'; expected max or min"));
  }
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", 0));
  KILN_ASSIGN_OR_RETURN(int64_t keepdims, attrs.GetInt("keepdims", 1));
  KILN_ASSIGN_OR_RETURN(int64_t last, attrs.GetInt("select_last_index", 0));
  if ((keepdims != 0 && keepdims != 1) || (last != 0 && last != 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "keepdims (", keepdims, ") and select_last_index (", last, ") must be 0 or 1"));
  }
  params.keepdims = keepdims == 1;
  params.select_last_index = last == 1;
  return params;
}

absl::StatusOr<TensorId> AddArgReduce(NetworkDefinition& network, absl::string_view name,
                                      TensorId input, const ArgReduceParams& params) {
  return network.AddLayer1(name, kArgReduceOp, {input}, params.ToAttrs());
}

}  // namespace kiln
