#include "ops/expand.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/op_registry.h"

namespace kiln {
namespace {

// Output dims of numpy broadcasting `a` with `b`.
absl::StatusOr<Dims> BroadcastDims(const Dims& a, const Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const size_t from_end = rank - 1 - i;
    const int64_t da = from_end < a.size() ? a[a.size() - 1 - from_end] : 1;
    const int64_t db = from_end < b.size() ? b[b.size() - 1 - from_end] : 1;
    if (da != db && da != 1 && db != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          DimsString(a), " vs ", DimsString(b), ": dim ", i, " of the result would need ", da,
          " and ", db, " (dims are right-aligned; each pair must be equal or one of them 1)"));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

absl::StatusOr<std::vector<TensorDesc>> InferExpand(const InferenceContext& ctx) {
  absl::StatusOr<ExpandParams> params = ExpandParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
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
  schema.infer = InferExpand;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeExpandSchema());

AttrMap ExpandParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("shape", shape);
  return attrs;
}

absl::StatusOr<ExpandParams> ExpandParams::FromAttrs(const AttrMap& attrs) {
  ExpandParams params;
  KILN_ASSIGN_OR_RETURN(params.shape, attrs.GetInts("shape", {}));
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
