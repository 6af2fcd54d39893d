#include "ops/reformat.h"

#include "absl/strings/str_cat.h"
#include "graph/reformat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferReformat(const InferenceContext& ctx) {
  absl::StatusOr<ReformatParams> params = ReformatParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  if (!ctx.has_input(0)) return ctx.Error("input 0 is omitted; Reformat needs its input");
  if (absl::Status s = CheckReformat(ctx.inputs[0], params->dtype, params->format); !s.ok()) {
    return ctx.Error(s.message());
  }
  TensorDesc out = ctx.inputs[0];
  out.dtype = params->dtype;
  out.format = params->format;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeReformatSchema() {
  OpSchema schema;
  schema.name = kReformatOp;
  schema.infer = InferReformat;
  return schema;
}

absl::StatusOr<TensorFormat> ParseFormat(absl::string_view name) {
  if (name == "linear") return TensorFormat::kLinear;
  if (name == "nhwc") return TensorFormat::kNHWC;
  return absl::InvalidArgumentError(
      absl::StrCat("attribute 'format' is '", name, "'; expected 'linear' or 'nhwc'"));
}

}  // namespace

KILN_REGISTER_OP(MakeReformatSchema());

AttrMap ReformatParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("dtype", std::string(DataTypeName(dtype)));
  attrs.Set("format", std::string(TensorFormatName(format)));
  return attrs;
}

absl::StatusOr<ReformatParams> ReformatParams::FromAttrs(const AttrMap& attrs) {
  if (!attrs.Has("dtype") || !attrs.Has("format")) {
    return absl::InvalidArgumentError(
        "attributes 'dtype' (fp32, fp16, ...) and 'format' (linear, nhwc) are required");
  }
  KILN_ASSIGN_OR_RETURN(std::string dtype, attrs.GetString("dtype", ""));
  KILN_ASSIGN_OR_RETURN(std::string format, attrs.GetString("format", ""));
  ReformatParams params;
  absl::StatusOr<DataType> type = ParseDataType(dtype);
  if (!type.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'dtype': ", type.status().message()));
  }
  params.dtype = *type;
  KILN_ASSIGN_OR_RETURN(params.format, ParseFormat(format));
  return params;
}

absl::StatusOr<TensorId> AddReformat(NetworkDefinition& network, absl::string_view name,
                                     TensorId input, DataType dtype, TensorFormat format) {
  return network.AddLayer1(name, kReformatOp, {input}, ReformatParams{dtype, format}.ToAttrs());
}

}  // namespace kiln
