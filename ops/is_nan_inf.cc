#include "ops/is_nan_inf.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferIsNanInf(const InferenceContext& ctx) {
  absl::StatusOr<IsNanInfParams> params = IsNanInfParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (!IsFloatType(in.dtype)) {
    return ctx.Error("input '", in.name, "' is ", DataTypeName(in.dtype),
                     "; IsNanInf takes fp32 or fp16");
  }
  TensorDesc out;
  out.dtype = DataType::kBool;
  out.dims = in.dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeIsNanInfSchema() {
  OpSchema schema;
  schema.name = kIsNanInfOp;
  schema.infer = InferIsNanInf;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeIsNanInfSchema());

AttrMap IsNanInfParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("op", inf ? "inf" : "nan");
  attrs.Set("detect_positive", detect_positive);
  attrs.Set("detect_negative", detect_negative);
  return attrs;
}

absl::StatusOr<IsNanInfParams> IsNanInfParams::FromAttrs(const AttrMap& attrs) {
  IsNanInfParams params;
  KILN_ASSIGN_OR_RETURN(std::string op, attrs.GetString("op", "nan"));
  if (op != "nan" && op != "inf") {
    return absl::InvalidArgumentError(absl::StrCat("unknown op '", op, "'; expected nan or inf"));
  }
  params.inf = op == "inf";
  KILN_ASSIGN_OR_RETURN(int64_t positive, attrs.GetInt("detect_positive", 1));
  KILN_ASSIGN_OR_RETURN(int64_t negative, attrs.GetInt("detect_negative", 1));
  if ((positive != 0 && positive != 1) || (negative != 0 && negative != 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "detect_positive (", positive, ") and detect_negative (", negative, ") must be 0 or 1"));
  }
  params.detect_positive = positive == 1;
  params.detect_negative = negative == 1;
  return params;
}

absl::StatusOr<TensorId> AddIsNanInf(NetworkDefinition& network, absl::string_view name,
                                     TensorId input, const IsNanInfParams& params) {
  return network.AddLayer1(name, kIsNanInfOp, {input}, params.ToAttrs());
}

}  // namespace kiln
