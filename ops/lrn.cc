#include "ops/lrn.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferLrn(const InferenceContext& ctx) {
  absl::StatusOr<LrnParams> params = LrnParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype), "; LRN takes fp32 or fp16");
  }
  if (x.rank() < 2) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected at least 2 dims (N, C, ...)");
  }
  TensorDesc out = x;
  out.format = TensorFormat::kLinear;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeLrnSchema() {
  OpSchema schema;
  schema.name = kLrnOp;
  schema.infer = InferLrn;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeLrnSchema());

AttrMap LrnParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("size", size);
  attrs.Set("alpha", alpha);
  attrs.Set("beta", beta);
  attrs.Set("bias", bias);
  return attrs;
}

absl::StatusOr<LrnParams> LrnParams::FromAttrs(const AttrMap& attrs) {
  LrnParams params;
  if (!attrs.Has("size")) {
    return absl::InvalidArgumentError(
        "attribute 'size' (channels in the window) is missing; it has no default");
  }
  KILN_ASSIGN_OR_RETURN(params.size, attrs.GetInt("size", params.size));
  if (params.size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'size' is ", params.size, "; it must be >= 1"));
  }
  KILN_ASSIGN_OR_RETURN(params.alpha, attrs.GetFloat("alpha", params.alpha));
  KILN_ASSIGN_OR_RETURN(params.beta, attrs.GetFloat("beta", params.beta));
  KILN_ASSIGN_OR_RETURN(params.bias, attrs.GetFloat("bias", params.bias));
  for (const auto& [name, value] : {std::pair<const char*, float>{"alpha", params.alpha},
                                    {"beta", params.beta},
                                    {"bias", params.bias}}) {
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute '", name, "' is ", value, "; it must be finite"));
    }
  }
  return params;
}

absl::StatusOr<TensorId> AddLrn(NetworkDefinition& network, absl::string_view name, TensorId input,
                                const LrnParams& params) {
  return network.AddLayer1(name, kLrnOp, {input}, params.ToAttrs());
}

}  // namespace kiln
