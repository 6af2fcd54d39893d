#include "ops/trilu.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferTrilu(const InferenceContext& ctx) {
  absl::StatusOr<TriluParams> params = TriluParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (in.rank() < 2) {
    return ctx.Error("input '", in.name, "' has rank ", in.rank(), " (", DimsString(in.dims),
                     "); Trilu needs at least 2 dims (the matrix is the last two)");
  }
  TensorDesc out;
  out.dtype = in.dtype;
  out.dims = in.dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeTriluSchema() {
  OpSchema schema;
  schema.name = kTriluOp;
  schema.infer = InferTrilu;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeTriluSchema());

AttrMap TriluParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("upper", upper);
  attrs.Set("k", k);
  return attrs;
}

absl::StatusOr<TriluParams> TriluParams::FromAttrs(const AttrMap& attrs) {
  TriluParams params;
  KILN_ASSIGN_OR_RETURN(int64_t upper, attrs.GetInt("upper", 1));
  if (upper != 0 && upper != 1) {
    return absl::InvalidArgumentError(absl::StrCat("upper is ", upper, "; expected 0 or 1"));
  }
  params.upper = upper == 1;
  KILN_ASSIGN_OR_RETURN(params.k, attrs.GetInt("k", 0));
  return params;
}

absl::StatusOr<TensorId> AddTrilu(NetworkDefinition& network, absl::string_view name,
                                  TensorId input, const TriluParams& params) {
  return network.AddLayer1(name, kTriluOp, {input}, params.ToAttrs());
}

}  // namespace kiln
