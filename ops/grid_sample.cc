#include "ops/grid_sample.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferGridSample(const InferenceContext& ctx) {
  absl::StatusOr<GridSampleParams> params = GridSampleParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!ctx.has_input(1)) return ctx.Error("input 1 (grid) is missing");
  const TensorDesc& grid = ctx.inputs[1];
  for (const TensorDesc* t : {&x, &grid}) {
    if (!IsFloatType(t->dtype)) {
      return ctx.Error("input '", t->name, "' is ", DataTypeName(t->dtype),
                       "; GridSample takes fp32 or fp16");
    }
  }
  if (x.rank() < 3) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected (N, C, D1, ...) with at least one spatial dim");
  }
  const int64_t k = x.rank() - 2;
  if (grid.rank() != k + 2 || grid.dims[0] != x.dims[0] || grid.dims.back() != k) {
    return ctx.Error("grid '", grid.name, "' has dims ", DimsString(grid.dims), "; expected (",
                     x.dims[0], ", O1..O", k, ", ", k, ") for input dims ", DimsString(x.dims));
  }
  TensorDesc out{"", x.dtype, {x.dims[0], x.dims[1]}, TensorFormat::kLinear};
  for (int64_t d = 1; d <= k; ++d) out.dims.push_back(grid.dims[d]);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeGridSampleSchema() {
  OpSchema schema;
  schema.name = kGridSampleOp;
  schema.min_inputs = 2;
  schema.max_inputs = 2;
  schema.infer = InferGridSample;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeGridSampleSchema());

AttrMap GridSampleParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("mode", mode);
  attrs.Set("padding_mode", padding_mode);
  attrs.Set("align_corners", align_corners);
  return attrs;
}

absl::StatusOr<GridSampleParams> GridSampleParams::FromAttrs(const AttrMap& attrs) {
  GridSampleParams params;
  KILN_ASSIGN_OR_RETURN(params.mode, attrs.GetString("mode", "linear"));
  KILN_ASSIGN_OR_RETURN(params.padding_mode, attrs.GetString("padding_mode", "zeros"));
  KILN_ASSIGN_OR_RETURN(int64_t align, attrs.GetInt("align_corners", 0));
  // Opset 16 names; opset 20 renamed them.
  if (params.mode == "bilinear") params.mode = "linear";
  if (params.mode == "bicubic") params.mode = "cubic";
  if (params.mode != "linear" && params.mode != "nearest" && params.mode != "cubic") {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'mode' is '", params.mode, "'; expected linear, nearest or cubic"));
  }
  if (params.padding_mode != "zeros" && params.padding_mode != "border" &&
      params.padding_mode != "reflection") {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'padding_mode' is '",
                                                   params.padding_mode,
                                                   "'; expected zeros, border or reflection"));
  }
  if (align != 0 && align != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'align_corners' is ", align, "; expected 0 or 1"));
  }
  params.align_corners = align == 1;
  return params;
}

absl::StatusOr<TensorId> AddGridSample(NetworkDefinition& network, absl::string_view name,
                                       TensorId input, TensorId grid,
                                       const GridSampleParams& params) {
  return network.AddLayer1(name, kGridSampleOp, {input, grid}, params.ToAttrs());
}

}  // namespace kiln
