#include "ops/shrink.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferShrink(const InferenceContext& ctx) {
  absl::StatusOr<ShrinkParams> params = ShrinkParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (!IsFloatType(in.dtype)) {
    return ctx.Error("input '", in.name, "' is ", DataTypeName(in.dtype),
                     "; Shrink takes fp32 or fp16");
  }
  TensorDesc out;
  out.dtype = in.dtype;
  out.dims = in.dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeShrinkSchema() {
  OpSchema schema;
  schema.name = kShrinkOp;
  schema.infer = InferShrink;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeShrinkSchema());

AttrMap ShrinkParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("lambd", lambd);
  attrs.Set("bias", bias);
  return attrs;
}

absl::StatusOr<ShrinkParams> ShrinkParams::FromAttrs(const AttrMap& attrs) {
  ShrinkParams params;
  KILN_ASSIGN_OR_RETURN(params.lambd, attrs.GetFloat("lambd", 0.5f));
  KILN_ASSIGN_OR_RETURN(params.bias, attrs.GetFloat("bias", 0.0f));
  return params;
}

absl::StatusOr<TensorId> AddShrink(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const ShrinkParams& params) {
  return network.AddLayer1(name, kShrinkOp, {input}, params.ToAttrs());
}

}  // namespace kiln
