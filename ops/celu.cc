#include "ops/celu.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferCelu(const InferenceContext& ctx) {
  absl::StatusOr<CeluParams> params = CeluParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (!IsFloatType(in.dtype)) {
    return ctx.Error("input '", in.name, "' is ", DataTypeName(in.dtype),
                     "; Celu takes fp32 or fp16");
  }
  TensorDesc out;
  out.dtype = in.dtype;
  out.dims = in.dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeCeluSchema() {
  OpSchema schema;
  schema.name = kCeluOp;
  schema.infer = InferCelu;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeCeluSchema());

AttrMap CeluParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("alpha", alpha);
  return attrs;
}

absl::StatusOr<CeluParams> CeluParams::FromAttrs(const AttrMap& attrs) {
  CeluParams params;
  KILN_ASSIGN_OR_RETURN(params.alpha, attrs.GetFloat("alpha", 1.0f));
  if (params.alpha == 0.0f) {
    return absl::InvalidArgumentError("alpha is 0; Celu divides by alpha, so it must be nonzero");
  }
  return params;
}

absl::StatusOr<TensorId> AddCelu(NetworkDefinition& network, absl::string_view name, TensorId input,
                                 const CeluParams& params) {
  return network.AddLayer1(name, kCeluOp, {input}, params.ToAttrs());
}

}  // namespace kiln
