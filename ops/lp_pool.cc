#include "ops/lp_pool.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferLpPool(const InferenceContext& ctx) {
  absl::StatusOr<LpPoolParams> params = LpPoolParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; LpPool takes fp32 or fp16");
  }
  absl::StatusOr<LpPoolGeometry> geometry = PlanLpPool(*params, x.dims);
  if (!geometry.ok()) {
    return ctx.Error(geometry.status().message(), " (input '", x.name, "' dims ",
                     DimsString(x.dims), ")");
  }
  TensorDesc out{"", x.dtype, {x.dims[0], x.dims[1]}, TensorFormat::kLinear};
  for (int64_t size : geometry->out) out.dims.push_back(size);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeLpPoolSchema() {
  OpSchema schema;
  schema.name = kLpPoolOp;
  schema.infer = InferLpPool;
  return schema;
}

// A list attribute with one entry per spatial dim (2k for pads), each >= min.
absl::Status CheckList(absl::string_view name, const std::vector<int64_t>& values,
                       size_t expected, int64_t min_value) {
  if (values.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has ", values.size(),
                                                   " values; expected ", expected));
  }
  for (int64_t v : values) {
    if (v < min_value) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' is [",
                                                     absl::StrJoin(values, ","),
                                                     "]; each must be >= ", min_value));
    }
  }
  return absl::OkStatus();
}

}  // namespace

KILN_REGISTER_OP(MakeLpPoolSchema());

absl::StatusOr<LpPoolGeometry> PlanLpPool(const LpPoolParams& params, const Dims& in_dims) {
  const size_t k = params.kernel_shape.size();
  if (in_dims.size() != k + 2) {
    return absl::InvalidArgumentError(absl::StrCat("kernel_shape has ", k,
                                                   " dims, so the input needs ", k + 2,
                                                   " dims (N, C and one per kernel dim)"));
  }
  LpPoolGeometry g;
  g.kernel = params.kernel_shape;
  g.strides = params.strides.empty() ? std::vector<int64_t>(k, 1) : params.strides;
  g.dilations = params.dilations.empty() ? std::vector<int64_t>(k, 1) : params.dilations;
  const std::vector<int64_t> pads =
      params.pads.empty() ? std::vector<int64_t>(2 * k, 0) : params.pads;
  KILN_RETURN_IF_ERROR(CheckList("strides", g.strides, k, 1));
  KILN_RETURN_IF_ERROR(CheckList("dilations", g.dilations, k, 1));
  KILN_RETURN_IF_ERROR(CheckList("pads", pads, 2 * k, 0));
  g.out.resize(k);
  g.pad_begin.resize(k);
  for (size_t i = 0; i < k; ++i) {
    const int64_t in = in_dims[2 + i], s = g.strides[i];
    const int64_t window = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (params.auto_pad == "SAME_UPPER" || params.auto_pad == "SAME_LOWER") {
      g.out[i] = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (g.out[i] - 1) * s + window - in);
      g.pad_begin[i] = params.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    } else if (params.auto_pad == "VALID") {
      g.out[i] = in >= window ? (in - window) / s + 1 : 0;
      g.pad_begin[i] = 0;
    } else {
      const int64_t padded = in + pads[i] + pads[k + i];
      g.pad_begin[i] = pads[i];
      if (padded < window) {
        g.out[i] = 0;
      } else if (params.ceil_mode) {
        g.out[i] = (padded - window + s - 1) / s + 1;
        if ((g.out[i] - 1) * s >= in + pads[i]) --g.out[i];
      } else {
        g.out[i] = (padded - window) / s + 1;
      }
    }
    if (g.out[i] <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output spatial dim ", i, " would be empty: input size ", in,
          " with its padding is smaller than the dilated kernel size ", window));
    }
  }
  return g;
}

AttrMap LpPoolParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("kernel_shape", kernel_shape);
  if (!strides.empty()) attrs.Set("strides", strides);
  if (!pads.empty()) attrs.Set("pads", pads);
  if (!dilations.empty()) attrs.Set("dilations", dilations);
  attrs.Set("p", p);
  attrs.Set("ceil_mode", ceil_mode);
  attrs.Set("auto_pad", auto_pad);
  return attrs;
}

absl::StatusOr<LpPoolParams> LpPoolParams::FromAttrs(const AttrMap& attrs) {
  LpPoolParams params;
  if (!attrs.Has("kernel_shape")) {
    return absl::InvalidArgumentError("attribute 'kernel_shape' is missing; it is required");
  }
  KILN_ASSIGN_OR_RETURN(params.kernel_shape, attrs.GetInts("kernel_shape", {}));
  KILN_ASSIGN_OR_RETURN(params.strides, attrs.GetInts("strides", {}));
  KILN_ASSIGN_OR_RETURN(params.pads, attrs.GetInts("pads", {}));
  KILN_ASSIGN_OR_RETURN(params.dilations, attrs.GetInts("dilations", {}));
  KILN_ASSIGN_OR_RETURN(params.p, attrs.GetInt("p", 2));
  KILN_ASSIGN_OR_RETURN(int64_t ceil_mode, attrs.GetInt("ceil_mode", 0));
  KILN_ASSIGN_OR_RETURN(params.auto_pad, attrs.GetString("auto_pad", "NOTSET"));
  if (params.kernel_shape.empty()) {
    return absl::InvalidArgumentError("attribute 'kernel_shape' is empty; expected one size per "
                                      "spatial dim");
  }
  KILN_RETURN_IF_ERROR(CheckList("kernel_shape", params.kernel_shape,
                                 params.kernel_shape.size(), 1));
  if (params.p < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'p' is ", params.p, "; expected >= 1"));
  }
  if (ceil_mode != 0 && ceil_mode != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'ceil_mode' is ", ceil_mode, "; expected 0 or 1"));
  }
  params.ceil_mode = ceil_mode == 1;
  if (params.auto_pad != "NOTSET" && params.auto_pad != "SAME_UPPER" &&
      params.auto_pad != "SAME_LOWER" && params.auto_pad != "VALID") {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'auto_pad' is '", params.auto_pad,
                     "'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID"));
  }
  if (params.auto_pad != "NOTSET" && !params.pads.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("attributes 'pads' and auto_pad '", params.auto_pad,
                     "' are both given; pads go with auto_pad NOTSET only"));
  }
  return params;
}

absl::StatusOr<TensorId> AddLpPool(NetworkDefinition& network, absl::string_view name,
                                   TensorId input, const LpPoolParams& params) {
  return network.AddLayer1(name, kLpPoolOp, {input}, params.ToAttrs());
}

}  // namespace kiln
