#include "ops/cast.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferCast(const InferenceContext& ctx) {
  absl::StatusOr<CastParams> params = CastParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  if (!ctx.has_input(0)) return ctx.Error("input 0 is omitted; Cast needs its input");
  TensorDesc out = ctx.inputs[0];
  out.dtype = params->to;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeCastSchema() {
  OpSchema schema;
  schema.name = kCastOp;
  schema.infer = InferCast;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeCastSchema());

AttrMap CastParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("to", std::string(DataTypeName(to)));
  return attrs;
}

absl::StatusOr<CastParams> CastParams::FromAttrs(const AttrMap& attrs) {
  if (!attrs.Has("to")) {
    return absl::InvalidArgumentError(
        "attribute 'to' is required: the target type, one of fp32, fp16, int8, int32, int64, "
        "bool");
  }
  KILN_ASSIGN_OR_RETURN(std::string to, attrs.GetString("to", ""));
  CastParams params;
  absl::StatusOr<DataType> type = ParseDataType(to);
  if (!type.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'to': ", type.status().message()));
  }
  params.to = *type;
  return params;
}

absl::StatusOr<TensorId> AddCast(NetworkDefinition& network, absl::string_view name,
                                 TensorId input, DataType to) {
  return network.AddLayer1(name, kCastOp, {input}, CastParams{to}.ToAttrs());
}

}  // namespace kiln
