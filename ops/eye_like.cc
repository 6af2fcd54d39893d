#include "ops/eye_like.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferEyeLike(const InferenceContext& ctx) {
  absl::StatusOr<EyeLikeParams> params = EyeLikeParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (x.rank() != 2) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; EyeLike expects 2 dims");
  }
  TensorDesc out{"", x.dtype, x.dims, TensorFormat::kLinear};
  if (params->dtype != 0) out.dtype = *EyeLikeDataType(params->dtype);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeEyeLikeSchema() {
  OpSchema schema;
  schema.name = kEyeLikeOp;
  schema.infer = InferEyeLike;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeEyeLikeSchema());

absl::StatusOr<DataType> EyeLikeDataType(int64_t onnx_dtype) {
  switch (onnx_dtype) {
    case 1: return DataType::kFloat32;
    case 10: return DataType::kFloat16;
    case 3: return DataType::kInt8;
    case 6: return DataType::kInt32;
    case 7: return DataType::kInt64;
    case 9: return DataType::kBool;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "attribute 'dtype' is ", onnx_dtype,
      "; expected an ONNX data type kiln has: 1 (float), 10 (float16), 3 (int8), 6 (int32), "
      "7 (int64) or 9 (bool)"));
}

AttrMap EyeLikeParams::ToAttrs() const {
  AttrMap attrs;
  if (dtype != 0) attrs.Set("dtype", dtype);
  attrs.Set("k", k);
  return attrs;
}

absl::StatusOr<EyeLikeParams> EyeLikeParams::FromAttrs(const AttrMap& attrs) {
  EyeLikeParams params;
  KILN_ASSIGN_OR_RETURN(params.dtype, attrs.GetInt("dtype", 0));
  KILN_ASSIGN_OR_RETURN(params.k, attrs.GetInt("k", 0));
  if (params.dtype != 0) KILN_RETURN_IF_ERROR(EyeLikeDataType(params.dtype).status());
  return params;
}

absl::StatusOr<TensorId> AddEyeLike(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const EyeLikeParams& params) {
  return network.AddLayer1(name, kEyeLikeOp, {input}, params.ToAttrs());
}

}  // namespace kiln
