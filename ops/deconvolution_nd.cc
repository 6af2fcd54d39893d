#include "ops/deconvolution_nd.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::Status ResolveList(absl::string_view name, size_t count, int64_t fallback,
                         int64_t min_value, std::vector<int64_t>& list) {
  if (list.empty()) list.assign(count, fallback);
  if (list.size() != count) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has ", list.size(),
                                                   " values; expected ", count));
  }
  for (int64_t v : list) {
    if (v < min_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("attribute '", name, "' has value ", v, "; each must be >= ", min_value));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TensorDesc>> InferDeconvolutionNd(const InferenceContext& ctx) {
  absl::StatusOr<DeconvolutionNdParams> params = DeconvolutionNdParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  if (!ctx.has_input(1)) return ctx.Error("the weight input (input 1) is missing");
  const TensorDesc& x = ctx.inputs[0];
  const TensorDesc& w = ctx.inputs[1];
  for (const TensorDesc* t : {&x, &w}) {
    if (!IsFloatType(t->dtype)) {
      return ctx.Error("input '", t->name, "' is ", DataTypeName(t->dtype),
                       "; DeconvolutionNd takes fp32 or fp16");
    }
  }
  if (x.rank() < 3 || w.rank() != x.rank()) {
    return ctx.Error("input '", x.name, "' ", DimsString(x.dims), " and weight '", w.name, "' ",
                     DimsString(w.dims), " must have the same rank >= 3 (N, C, spatial...)");
  }
  const size_t k = static_cast<size_t>(x.rank()) - 2;
  absl::Status resolved = params->Resolve(k);
  if (!resolved.ok()) return ctx.Error(resolved.message());
  const int64_t group = params->group;
  if (w.dims[0] != x.dims[1]) {
    return ctx.Error("input has ", x.dims[1], " channels, weight '", w.name, "' ",
                     DimsString(w.dims), " expects ", w.dims[0]);
  }
  if (x.dims[1] % group != 0) {
    return ctx.Error("input has ", x.dims[1], " channels, which group=", group, " does not divide");
  }
  const int64_t out_channels = w.dims[1] * group;
  if (ctx.has_input(2)) {
    const TensorDesc& b = ctx.inputs[2];
    if (b.dtype != x.dtype || b.rank() != 1 || b.dims[0] != out_channels) {
      return ctx.Error("bias '", b.name, "' is ", DataTypeName(b.dtype), DimsString(b.dims),
                       "; expected ", DataTypeName(x.dtype), "[", out_channels, "]");
    }
  }
  Dims out_dims = {x.dims[0], out_channels};
  for (size_t i = 0; i < k; ++i) {
    const int64_t size = params->strides[i] * (x.dims[2 + i] - 1) + params->output_padding[i] +
                         (w.dims[2 + i] - 1) * params->dilations[i] + 1 - params->pads[i] -
                         params->pads[k + i];
    if (size <= 0) {
      return ctx.Error("spatial axis ", i, " would be empty (", size, "): input ",
                       DimsString(x.dims), ", kernel ", DimsString(w.dims), ", pads too large");
    }
    out_dims.push_back(size);
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims = std::move(out_dims);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeDeconvolutionNdSchema() {
  OpSchema schema;
  schema.name = kDeconvolutionNdOp;
  schema.min_inputs = 2;
  schema.max_inputs = 3;
  schema.infer = InferDeconvolutionNd;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeDeconvolutionNdSchema());

AttrMap DeconvolutionNdParams::ToAttrs() const {
  AttrMap attrs;
  if (!strides.empty()) attrs.Set("strides", strides);
  if (!dilations.empty()) attrs.Set("dilations", dilations);
  if (!pads.empty()) attrs.Set("pads", pads);
  if (!output_padding.empty()) attrs.Set("output_padding", output_padding);
  attrs.Set("group", group);
  return attrs;
}

absl::StatusOr<DeconvolutionNdParams> DeconvolutionNdParams::FromAttrs(const AttrMap& attrs) {
  DeconvolutionNdParams params;
  KILN_ASSIGN_OR_RETURN(params.strides, attrs.GetInts("strides", {}));
  KILN_ASSIGN_OR_RETURN(params.dilations, attrs.GetInts("dilations", {}));
  KILN_ASSIGN_OR_RETURN(params.pads, attrs.GetInts("pads", {}));
  KILN_ASSIGN_OR_RETURN(params.output_padding, attrs.GetInts("output_padding", {}));
  KILN_ASSIGN_OR_RETURN(params.group, attrs.GetInt("group", 1));
  if (params.group < 1) {
    return absl::InvalidArgumentError(absl::StrCat("group is ", params.group, "; must be >= 1"));
  }
  return params;
}

absl::Status DeconvolutionNdParams::Resolve(size_t k) {
  KILN_RETURN_IF_ERROR(ResolveList("strides", k, 1, 1, strides));
  KILN_RETURN_IF_ERROR(ResolveList("dilations", k, 1, 1, dilations));
  KILN_RETURN_IF_ERROR(ResolveList("pads", 2 * k, 0, 0, pads));
  return ResolveList("output_padding", k, 0, 0, output_padding);
}

absl::StatusOr<TensorId> AddDeconvolutionNd(NetworkDefinition& network, absl::string_view name,
                                            TensorId x, TensorId w, TensorId bias,
                                            const DeconvolutionNdParams& params) {
  return network.AddLayer1(name, kDeconvolutionNdOp, {x, w, bias}, params.ToAttrs());
}

}  // namespace kiln
