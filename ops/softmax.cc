#include "ops/softmax.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferSoftMax(const InferenceContext& ctx) {
  absl::StatusOr<SoftMaxParams> params = SoftMaxParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; SoftMax takes fp32 or fp16");
  }
  if (params->axis < -x.rank() || params->axis >= x.rank()) {
    return ctx.Error("axis ", params->axis, " is out of range for input '", x.name, "' of rank ",
                     x.rank(), " (dims ", DimsString(x.dims), "); expected [", -x.rank(), ", ",
                     x.rank() - 1, "]");
  }
  return std::vector<TensorDesc>{x};
}

OpSchema MakeSoftMaxSchema() {
  OpSchema schema;
  schema.name = kSoftMaxOp;
  schema.infer = InferSoftMax;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeSoftMaxSchema());

AttrMap SoftMaxParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  attrs.Set("log", log);
  return attrs;
}

absl::StatusOr<SoftMaxParams> SoftMaxParams::FromAttrs(const AttrMap& attrs) {
  SoftMaxParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", -1));
  KILN_ASSIGN_OR_RETURN(int64_t log, attrs.GetInt("log", 0));
  if (log != 0 && log != 1) {
    return absl::InvalidArgumentError(absl::StrCat("log must be 0 or 1, got ", log));
  }
  params.log = log == 1;
  return params;
}

absl::StatusOr<TensorId> AddSoftMax(NetworkDefinition& network, absl::string_view name,
                                    TensorId input, const SoftMaxParams& params) {
  return network.AddLayer1(name, kSoftMaxOp, {input}, params.ToAttrs());
}

}  // namespace kiln
