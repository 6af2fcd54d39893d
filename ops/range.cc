#include "ops/range.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferRange(const InferenceContext& ctx) {
  absl::StatusOr<RangeParams> params = RangeParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  absl::StatusOr<std::vector<int64_t>> limit =
      ResolveDimRefs(params->limit_refs, {0}, ctx.inputs, /*first_ref_input=*/0);
  if (!limit.ok()) return ctx.Error("limit_refs: ", limit.status().message());
  if (!params->limit_refs.empty()) params->limit = static_cast<float>((*limit)[0]);
  const RangeParams& p = *params;
  if (p.dtype == DataType::kBool) {
    return ctx.Error("dtype bool is not numeric; Range makes fp32, fp16, int32, int64 or int8");
  }
  if (p.delta == 0.0f || !std::isfinite(p.start) || !std::isfinite(p.limit) ||
      !std::isfinite(p.delta)) {
    return ctx.Error("start ", p.start, ", limit ", p.limit, ", delta ", p.delta,
                     ": delta must be nonzero and all three finite");
  }
  const double count =
      std::ceil((static_cast<double>(p.limit) - p.start) / static_cast<double>(p.delta));
  if (count > static_cast<double>(int64_t{1} << 40)) {
    return ctx.Error(count, " elements from start ", p.start, ", limit ", p.limit, ", delta ",
                     p.delta, " is too many");
  }
  TensorDesc out;
  out.dtype = p.dtype;
  out.dims = {count > 0 ? static_cast<int64_t>(count) : 0};
  return std::vector<TensorDesc>{out};
}

OpSchema MakeRangeSchema() {
  OpSchema schema;
  schema.name = kRangeOp;
  schema.min_inputs = 0;
  schema.max_inputs = 8;  // tensors whose dims limit_refs read
  schema.infer = InferRange;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeRangeSchema());

AttrMap RangeParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("start", start);
  attrs.Set("limit", limit);
  attrs.Set("delta", delta);
  attrs.Set("dtype", std::string(DataTypeName(dtype)));
  SetDimRefs(attrs, "limit_refs", limit_refs);
  return attrs;
}

absl::StatusOr<RangeParams> RangeParams::FromAttrs(const AttrMap& attrs) {
  RangeParams params;
  KILN_ASSIGN_OR_RETURN(params.start, attrs.GetFloat("start", 0.0f));
  KILN_ASSIGN_OR_RETURN(params.limit, attrs.GetFloat("limit", 0.0f));
  KILN_ASSIGN_OR_RETURN(params.delta, attrs.GetFloat("delta", 1.0f));
  KILN_ASSIGN_OR_RETURN(std::string dtype, attrs.GetString("dtype", "fp32"));
  KILN_ASSIGN_OR_RETURN(params.dtype, ParseDataType(dtype));
  KILN_ASSIGN_OR_RETURN(params.limit_refs, DimRefsFromAttrs(attrs, "limit_refs", 1));
  return params;
}

absl::StatusOr<TensorId> AddRange(NetworkDefinition& network, absl::string_view name,
                                  const RangeParams& params) {
  return network.AddLayer1(name, kRangeOp, {}, params.ToAttrs());
}

}  // namespace kiln
