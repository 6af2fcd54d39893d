#include "ops/expand.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/broadcast.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferExpand(const InferenceContext& ctx) {
  absl::StatusOr<ExpandParams> params = ExpandParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  absl::StatusOr<std::vector<int64_t>> shape =
      ResolveDimRefs(params->shape_refs, params->shape, ctx.inputs, /*first_ref_input=*/1);
  if (!shape.ok()) return ctx.Error("shape_refs: ", shape.status().message());
  params->shape = *std::move(shape);
  absl::StatusOr<Dims> dims = BroadcastDims(in.dims, params->shape);
  if (!dims.ok()) {
    return ctx.Error("input '", in.name, "' does not broadcast to shape ",
                     DimsString(params->shape), ": ", dims.status().message());
  }
  TensorDesc out;
  out.dtype = in.dtype;
  out.dims = *dims;
  return std::vector<TensorDesc>{out};
}

OpSchema MakeExpandSchema() {
  OpSchema schema;
  schema.name = kExpandOp;
  schema.max_inputs = 8;  // the data, then tensors whose dims shape_refs read
  schema.infer = InferExpand;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeExpandSchema());

AttrMap ExpandParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("shape", shape);
  SetDimRefs(attrs, "shape_refs", shape_refs);
  return attrs;
}

absl::StatusOr<ExpandParams> ExpandParams::FromAttrs(const AttrMap& attrs) {
  ExpandParams params;
  KILN_ASSIGN_OR_RETURN(params.shape, attrs.GetInts("shape", {}));
  KILN_ASSIGN_OR_RETURN(params.shape_refs,
                        DimRefsFromAttrs(attrs, "shape_refs", params.shape.size()));
  for (int64_t d : params.shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat("shape ", DimsString(params.shape),
                                                     " has a negative dim; dims must be >= 0"));
    }
  }
  return params;
}

absl::StatusOr<TensorId> AddExpand(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const ExpandParams& params) {
  return network.AddLayer1(name, kExpandOp, {input}, params.ToAttrs());
}

}  // namespace kiln
