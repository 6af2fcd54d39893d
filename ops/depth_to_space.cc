#include "ops/depth_to_space.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferDepthToSpace(const InferenceContext& ctx) {
  absl::StatusOr<DepthToSpaceParams> params = DepthToSpaceParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (x.rank() != 4) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected 4 dims (N, C, H, W)");
  }
  const int64_t b = params->blocksize;
  if (x.dims[1] % (b * b) != 0) {
    return ctx.Error("input '", x.name, "' has ", x.dims[1],
                     " channels; expected a multiple of blocksize^2 = ", b * b, " (input dims ",
                     DimsString(x.dims), ")");
  }
  TensorDesc out{"", x.dtype, {x.dims[0], x.dims[1] / (b * b), x.dims[2] * b, x.dims[3] * b},
                 TensorFormat::kLinear};
  return std::vector<TensorDesc>{out};
}

OpSchema MakeDepthToSpaceSchema() {
  OpSchema schema;
  schema.name = kDepthToSpaceOp;
  schema.infer = InferDepthToSpace;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeDepthToSpaceSchema());

AttrMap DepthToSpaceParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("blocksize", blocksize);
  attrs.Set("mode", mode);
  return attrs;
}

absl::StatusOr<DepthToSpaceParams> DepthToSpaceParams::FromAttrs(const AttrMap& attrs) {
  DepthToSpaceParams params;
  if (!attrs.Has("blocksize")) {
    return absl::InvalidArgumentError("attribute 'blocksize' is missing; it is required");
  }
  KILN_ASSIGN_OR_RETURN(params.blocksize, attrs.GetInt("blocksize", 1));
  KILN_ASSIGN_OR_RETURN(params.mode, attrs.GetString("mode", "DCR"));
  if (params.blocksize < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'blocksize' is ", params.blocksize, "; expected >= 1"));
  }
  if (params.mode != "DCR" && params.mode != "CRD") {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'mode' is '", params.mode, "'; expected DCR or CRD"));
  }
  return params;
}

absl::StatusOr<TensorId> AddDepthToSpace(NetworkDefinition& network, absl::string_view name,
                                         TensorId input, const DepthToSpaceParams& params) {
  return network.AddLayer1(name, kDepthToSpaceOp, {input}, params.ToAttrs());
}

}  // namespace kiln
