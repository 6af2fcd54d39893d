#include "ops/roi_align.h"

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferRoiAlign(const InferenceContext& ctx) {
  absl::StatusOr<RoiAlignParams> params = RoiAlignParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  const TensorDesc& rois = ctx.inputs[1];
  const TensorDesc& indices = ctx.inputs[2];
  if (!IsFloatType(x.dtype) || x.rank() != 4) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype), " ", DimsString(x.dims),
                     "; expected fp32 or fp16 [N, C, H, W]");
  }
  if (rois.dtype != x.dtype || rois.rank() != 2 || rois.dims[1] != 4) {
    return ctx.Error("rois '", rois.name, "' is ", DataTypeName(rois.dtype), " ",
                     DimsString(rois.dims), "; expected ", DataTypeName(x.dtype),
                     " [R, 4] (x1, y1, x2, y2)");
  }
  if ((indices.dtype != DataType::kInt32 && indices.dtype != DataType::kInt64) ||
      indices.rank() != 1 || indices.dims[0] != rois.dims[0]) {
    return ctx.Error("batch_indices '", indices.name, "' is ", DataTypeName(indices.dtype), " ",
                     DimsString(indices.dims), "; expected int32 or int64 [", rois.dims[0],
                     "] (one per roi)");
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = {rois.dims[0], x.dims[1], params->output_height, params->output_width};
  return std::vector<TensorDesc>{out};
}

OpSchema MakeRoiAlignSchema() {
  OpSchema schema;
  schema.name = kRoiAlignOp;
  schema.min_inputs = 3;
  schema.max_inputs = 3;
  schema.infer = InferRoiAlign;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeRoiAlignSchema());

AttrMap RoiAlignParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("coordinate_transformation_mode", coordinate_transformation_mode);
  attrs.Set("mode", mode);
  attrs.Set("output_height", output_height);
  attrs.Set("output_width", output_width);
  attrs.Set("sampling_ratio", sampling_ratio);
  attrs.Set("spatial_scale", spatial_scale);
  return attrs;
}

absl::StatusOr<RoiAlignParams> RoiAlignParams::FromAttrs(const AttrMap& attrs) {
  RoiAlignParams p;
  KILN_ASSIGN_OR_RETURN(p.coordinate_transformation_mode,
                        attrs.GetString("coordinate_transformation_mode", "half_pixel"));
  KILN_ASSIGN_OR_RETURN(p.mode, attrs.GetString("mode", "avg"));
  KILN_ASSIGN_OR_RETURN(p.output_height, attrs.GetInt("output_height", 1));
  KILN_ASSIGN_OR_RETURN(p.output_width, attrs.GetInt("output_width", 1));
  KILN_ASSIGN_OR_RETURN(p.sampling_ratio, attrs.GetInt("sampling_ratio", 0));
  KILN_ASSIGN_OR_RETURN(p.spatial_scale, attrs.GetFloat("spatial_scale", 1.0f));
  if (p.coordinate_transformation_mode != "half_pixel" &&
      p.coordinate_transformation_mode != "output_half_pixel") {
    return absl::InvalidArgumentError(
        absl::StrCat("coordinate_transformation_mode is '", p.coordinate_transformation_mode,
                     "'; expected half_pixel or output_half_pixel"));
  }
  if (p.mode != "avg" && p.mode != "max") {
    return absl::InvalidArgumentError(absl::StrCat("mode is '", p.mode, "'; expected avg or max"));
  }
  if (p.output_height < 1 || p.output_width < 1) {
    return absl::InvalidArgumentError(absl::StrCat("output size ", p.output_height, "x",
                                                   p.output_width, " must be at least 1x1"));
  }
  if (p.sampling_ratio < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sampling_ratio is ", p.sampling_ratio, "; expected >= 0 (0 = adaptive)"));
  }
  return p;
}

absl::StatusOr<TensorId> AddRoiAlign(NetworkDefinition& network, absl::string_view name,
                                     TensorId x, TensorId rois, TensorId batch_indices,
                                     const RoiAlignParams& params) {
  return network.AddLayer1(name, kRoiAlignOp, {x, rois, batch_indices}, params.ToAttrs());
}

}  // namespace kiln
