#include "ops/space_to_depth.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferSpaceToDepth(const InferenceContext& ctx) {
  absl::StatusOr<SpaceToDepthParams> params = SpaceToDepthParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (x.rank() != 4) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected 4 dims (N, C, H, W)");
  }
  const int64_t b = params->blocksize;
  if (x.dims[2] % b != 0 || x.dims[3] % b != 0) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; height and width must be multiples of blocksize ", b);
  }
  TensorDesc out{"", x.dtype, {x.dims[0], x.dims[1] * b * b, x.dims[2] / b, x.dims[3] / b},
                 TensorFormat::kLinear};
  return std::vector<TensorDesc>{out};
}

OpSchema MakeSpaceToDepthSchema() {
  OpSchema schema;
  schema.name = kSpaceToDepthOp;
  schema.infer = InferSpaceToDepth;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeSpaceToDepthSchema());

AttrMap SpaceToDepthParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("blocksize", blocksize);
  return attrs;
}

absl::StatusOr<SpaceToDepthParams> SpaceToDepthParams::FromAttrs(const AttrMap& attrs) {
  SpaceToDepthParams params;
  if (!attrs.Has("blocksize")) {
    return absl::InvalidArgumentError("attribute 'blocksize' is missing; it is required");
  }
  KILN_ASSIGN_OR_RETURN(params.blocksize, attrs.GetInt("blocksize", 1));
  if (params.blocksize < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'blocksize' is ", params.blocksize, "; expected >= 1"));
  }
  return params;
}

absl::StatusOr<TensorId> AddSpaceToDepth(NetworkDefinition& network, absl::string_view name,
                                         TensorId input, const SpaceToDepthParams& params) {
  return network.AddLayer1(name, kSpaceToDepthOp, {input}, params.ToAttrs());
}

}  // namespace kiln
