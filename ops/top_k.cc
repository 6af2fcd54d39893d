#include "ops/top_k.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferTopK(const InferenceContext& ctx) {
  absl::StatusOr<TopKParams> params = TopKParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (!IsFloatType(in.dtype) && in.dtype != DataType::kInt32 && in.dtype != DataType::kInt64 &&
      in.dtype != DataType::kInt8) {
    return ctx.Error("input '", in.name, "' is ", DataTypeName(in.dtype),
                     "; TopK takes fp32, fp16, int32, int64 or int8");
  }
  const int64_t rank = in.rank();
  if (params->axis < -rank || params->axis >= rank) {
    return ctx.Error("axis ", params->axis, " is out of range for input '", in.name, "' of rank ",
                     rank, " (", DimsString(in.dims), "); expected ", -rank, "..", rank - 1);
  }
  const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
  if (params->k > in.dims[axis]) {
    return ctx.Error("k = ", params->k, " is larger than axis ", params->axis, " of input '",
                     in.name, "' (", DimsString(in.dims), ")");
  }
  TensorDesc values;
  values.dtype = in.dtype;
  values.dims = in.dims;
  values.dims[axis] = params->k;
  TensorDesc indices = values;
  indices.dtype = DataType::kInt64;
  return std::vector<TensorDesc>{values, indices};
}

OpSchema MakeTopKSchema() {
  OpSchema schema;
  schema.name = kTopKOp;
  schema.num_outputs = 2;
  schema.infer = InferTopK;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeTopKSchema());

AttrMap TopKParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("k", k);
  attrs.Set("axis", axis);
  attrs.Set("largest", largest);
  attrs.Set("sorted", sorted);
  return attrs;
}

absl::StatusOr<TopKParams> TopKParams::FromAttrs(const AttrMap& attrs) {
  TopKParams params;
  KILN_ASSIGN_OR_RETURN(params.k, attrs.GetInt("k", 1));
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", -1));
  KILN_ASSIGN_OR_RETURN(int64_t largest, attrs.GetInt("largest", 1));
  KILN_ASSIGN_OR_RETURN(int64_t sorted, attrs.GetInt("sorted", 1));
  if (params.k < 1) {
    return absl::InvalidArgumentError(absl::StrCat("k = ", params.k, " must be at least 1"));
  }
  if ((largest != 0 && largest != 1) || (sorted != 0 && sorted != 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("largest (", largest, ") and sorted (", sorted, ") must be 0 or 1"));
  }
  params.largest = largest == 1;
  params.sorted = sorted == 1;
  return params;
}

absl::StatusOr<std::vector<TensorId>> AddTopK(NetworkDefinition& network, absl::string_view name,
                                              TensorId input, const TopKParams& params) {
  return network.AddLayer(name, kTopKOp, {input}, params.ToAttrs());
}

}  // namespace kiln
