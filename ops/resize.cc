#include "ops/resize.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::Status CheckOneOf(absl::string_view attr, const std::string& value,
                        std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("attribute '", attr, "' is '", value,
                                                 "'; expected one of ",
                                                 absl::StrJoin(allowed, ", ")));
}

absl::StatusOr<bool> ReadBool(const AttrMap& attrs, absl::string_view name) {
  KILN_ASSIGN_OR_RETURN(int64_t value, attrs.GetInt(name, 0));
  if (value != 0 && value != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", name, "' is ", value, "; expected 0 or 1"));
  }
  return value == 1;
}

// math.isclose with its default tolerances, as ONNX's reference uses it.
bool IsClose(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

absl::StatusOr<std::vector<TensorDesc>> InferResize(const InferenceContext& ctx) {
  absl::StatusOr<ResizeParams> params = ResizeParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; Resize takes fp32 or fp16");
  }
  if (x.rank() < 1) return ctx.Error("input '", x.name, "' is a scalar; expected rank >= 1");
  absl::StatusOr<std::vector<ResizeAxis>> plan = PlanResize(*params, x.dims);
  if (!plan.ok()) {
    return ctx.Error(plan.status().message(), " (input dims ", DimsString(x.dims), ")");
  }
  TensorDesc out{"", x.dtype, {}, TensorFormat::kLinear};
  for (const ResizeAxis& a : *plan) out.dims.push_back(a.out_size);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeResizeSchema() {
  OpSchema schema;
  schema.name = kResizeOp;
  schema.infer = InferResize;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeResizeSchema());

absl::StatusOr<std::vector<ResizeAxis>> PlanResize(const ResizeParams& params,
                                                   const Dims& in_dims) {
  const int64_t rank = static_cast<int64_t>(in_dims.size());
  std::vector<int64_t> axes = params.axes;
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  std::vector<bool> named(rank, false);
  for (int64_t& a : axes) {
    if (a < -rank || a >= rank) {
      return absl::InvalidArgumentError(absl::StrCat("attribute 'axes' has ", a,
                                                     ", out of range for rank ", rank));
    }
    if (a < 0) a += rank;
    if (named[a]) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute 'axes' names axis ", a, " twice"));
    }
    named[a] = true;
  }
  const size_t n = axes.size();
  const bool use_scales = !params.scales.empty();
  const size_t given = use_scales ? params.scales.size() : params.sizes.size();
  if (given != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute '", use_scales ? "scales" : "sizes", "' has ", given,
                     " values; expected ", n, " (one per ",
                     params.axes.empty() ? "input axis" : "entry of 'axes'", ")"));
  }
  const bool crop = params.coordinate_transformation_mode == "tf_crop_and_resize";
  if (crop && params.roi.size() != 2 * n) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'roi' has ", params.roi.size(), " values; tf_crop_and_resize "
                     "expects ", 2 * n, " (a start and an end per resized axis)"));
  }

  std::vector<ResizeAxis> plan(rank);
  for (int64_t d = 0; d < rank; ++d) {
    plan[d].in_size = in_dims[d];
    plan[d].out_size = in_dims[d];
  }
  if (use_scales) {
    for (size_t i = 0; i < n; ++i) {
      ResizeAxis& a = plan[axes[i]];
      a.scale = static_cast<double>(params.scales[i]);
      a.out_size = static_cast<int64_t>(std::floor(a.scale * static_cast<double>(a.in_size)));
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (in_dims[axes[i]] <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("axis ", axes[i], " is empty; sizes cannot give its scale"));
      }
    }
    if (params.keep_aspect_ratio_policy == "stretch") {
      for (size_t i = 0; i < n; ++i) {
        ResizeAxis& a = plan[axes[i]];
        a.out_size = params.sizes[i];
        a.scale = static_cast<double>(a.out_size) / static_cast<double>(a.in_size);
      }
    } else {
      const bool not_larger = params.keep_aspect_ratio_policy == "not_larger";
      double scale = 0.0;
      for (size_t i = 0; i < n; ++i) {
        const double s = static_cast<double>(params.sizes[i]) / in_dims[axes[i]];
        scale = i == 0 ? s : (not_larger ? std::min(scale, s) : std::max(scale, s));
      }
      for (size_t i = 0; i < n; ++i) {
        ResizeAxis& a = plan[axes[i]];
        a.scale = scale;
        a.out_size = static_cast<int64_t>(scale * static_cast<double>(a.in_size) + 0.5);
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    ResizeAxis& a = plan[axes[i]];
    if (crop) {
      a.roi_start = params.roi[i];
      a.roi_end = params.roi[n + i];
    }
    if (a.out_size <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output axis ", axes[i], " would be empty: input size ", a.in_size, " times scale ",
          a.scale, " is ", a.out_size));
    }
    a.resized = !(IsClose(a.scale, 1.0) && a.out_size == a.in_size &&
                  (!crop || (IsClose(a.roi_start, 0.0) && IsClose(a.roi_end, 1.0))));
  }
  return plan;
}

AttrMap ResizeParams::ToAttrs() const {
  AttrMap attrs;
  if (!scales.empty()) attrs.Set("scales", scales);
  if (!sizes.empty()) attrs.Set("sizes", sizes);
  if (!axes.empty()) attrs.Set("axes", axes);
  attrs.Set("mode", mode);
  attrs.Set("coordinate_transformation_mode", coordinate_transformation_mode);
  attrs.Set("nearest_mode", nearest_mode);
  attrs.Set("cubic_coeff_a", cubic_coeff_a);
  attrs.Set("exclude_outside", exclude_outside);
  attrs.Set("antialias", antialias);
  attrs.Set("keep_aspect_ratio_policy", keep_aspect_ratio_policy);
  if (!roi.empty()) attrs.Set("roi", roi);
  attrs.Set("extrapolation_value", extrapolation_value);
  return attrs;
}

absl::StatusOr<ResizeParams> ResizeParams::FromAttrs(const AttrMap& attrs) {
  ResizeParams p;
  KILN_ASSIGN_OR_RETURN(p.scales, attrs.GetFloats("scales", {}));
  KILN_ASSIGN_OR_RETURN(p.sizes, attrs.GetInts("sizes", {}));
  KILN_ASSIGN_OR_RETURN(p.axes, attrs.GetInts("axes", {}));
  KILN_ASSIGN_OR_RETURN(p.mode, attrs.GetString("mode", "nearest"));
  KILN_ASSIGN_OR_RETURN(p.coordinate_transformation_mode,
                        attrs.GetString("coordinate_transformation_mode", "half_pixel"));
  KILN_ASSIGN_OR_RETURN(p.nearest_mode, attrs.GetString("nearest_mode", "round_prefer_floor"));
  KILN_ASSIGN_OR_RETURN(p.cubic_coeff_a, attrs.GetFloat("cubic_coeff_a", -0.75f));
  KILN_ASSIGN_OR_RETURN(p.exclude_outside, ReadBool(attrs, "exclude_outside"));
  KILN_ASSIGN_OR_RETURN(p.antialias, ReadBool(attrs, "antialias"));
  KILN_ASSIGN_OR_RETURN(p.keep_aspect_ratio_policy,
                        attrs.GetString("keep_aspect_ratio_policy", "stretch"));
  KILN_ASSIGN_OR_RETURN(p.roi, attrs.GetFloats("roi", {}));
  KILN_ASSIGN_OR_RETURN(p.extrapolation_value, attrs.GetFloat("extrapolation_value", 0.0f));

  KILN_RETURN_IF_ERROR(CheckOneOf("mode", p.mode, {"nearest", "linear", "cubic"}));
  KILN_RETURN_IF_ERROR(CheckOneOf(
      "coordinate_transformation_mode", p.coordinate_transformation_mode,
      {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
       "tf_crop_and_resize", "tf_half_pixel_for_nn"}));
  KILN_RETURN_IF_ERROR(CheckOneOf("nearest_mode", p.nearest_mode,
                                  {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}));
  KILN_RETURN_IF_ERROR(CheckOneOf("keep_aspect_ratio_policy", p.keep_aspect_ratio_policy,
                                  {"stretch", "not_larger", "not_smaller"}));
  if (p.scales.empty() == p.sizes.empty()) {
    return absl::InvalidArgumentError(
        p.scales.empty() ? "neither 'scales' nor 'sizes' is given; expected exactly one"
                         : "both 'scales' and 'sizes' are given; expected exactly one");
  }
  for (float s : p.scales) {
    if (!(s > 0.0f) || !std::isfinite(s)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'scales' is [", absl::StrJoin(p.scales, ","), "]; each must be > 0"));
    }
  }
  for (int64_t s : p.sizes) {
    if (s < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute 'sizes' is [", absl::StrJoin(p.sizes, ","), "]; each must be >= 1"));
    }
  }
  if (p.antialias && p.mode == "nearest") {
    return absl::InvalidArgumentError("antialias applies to linear and cubic modes, not nearest");
  }
  return p;
}

absl::StatusOr<TensorId> AddResize(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const ResizeParams& params) {
  return network.AddLayer1(name, kResizeOp, {input}, params.ToAttrs());
}

}  // namespace kiln
