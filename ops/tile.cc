#include "ops/tile.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferTile(const InferenceContext& ctx) {
  absl::StatusOr<TileParams> params = TileParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& in = ctx.inputs[0];
  if (static_cast<int64_t>(params->repeats.size()) != in.rank()) {
    return ctx.Error("repeats has ", params->repeats.size(), " entries but input '", in.name,
                     "' has rank ", in.rank(), " (", DimsString(in.dims),
                     "); give one repeat count per dim");
  }
  TensorDesc out;
  out.dtype = in.dtype;
  out.dims = in.dims;
  for (size_t d = 0; d < out.dims.size(); ++d) out.dims[d] *= params->repeats[d];
  return std::vector<TensorDesc>{out};
}

OpSchema MakeTileSchema() {
  OpSchema schema;
  schema.name = kTileOp;
  schema.infer = InferTile;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeTileSchema());

AttrMap TileParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("repeats", repeats);
  return attrs;
}

absl::StatusOr<TileParams> TileParams::FromAttrs(const AttrMap& attrs) {
  TileParams params;
  KILN_ASSIGN_OR_RETURN(params.repeats, attrs.GetInts("repeats", {}));
  for (int64_t r : params.repeats) {
    if (r < 0) {
      return absl::InvalidArgumentError(absl::StrCat("repeats ", DimsString(params.repeats),
                                                     " has a negative entry; they must be >= 0"));
    }
  }
  return params;
}

absl::StatusOr<TensorId> AddTile(NetworkDefinition& network, absl::string_view name, TensorId input,
                                 const TileParams& params) {
  return network.AddLayer1(name, kTileOp, {input}, params.ToAttrs());
}

}  // namespace kiln
