#include "ops/layer_normalization.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

// Scale or B must broadcast to the normalized dims `norm` (right-aligned).
absl::Status CheckBroadcast(const InferenceContext& ctx, const char* what, const TensorDesc& t,
                            const Dims& norm) {
  if (t.dtype != ctx.inputs[0].dtype) {
    return ctx.Error(what, " '", t.name, "' is ", DataTypeName(t.dtype), "; expected ",
                     DataTypeName(ctx.inputs[0].dtype), " like X");
  }
  bool ok = t.rank() <= static_cast<int64_t>(norm.size());
  for (int64_t i = 0; ok && i < t.rank(); ++i) {
    const int64_t d = t.dims[t.rank() - 1 - i];
    ok = d == 1 || d == norm[norm.size() - 1 - i];
  }
  if (!ok) {
    return ctx.Error(what, " '", t.name, "' has dims ", DimsString(t.dims),
                     "; expected dims that broadcast to the normalized dims ", DimsString(norm));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TensorDesc>> InferLayerNormalization(const InferenceContext& ctx) {
  absl::StatusOr<LayerNormalizationParams> params = LayerNormalizationParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; LayerNormalization takes fp32 or fp16");
  }
  const int64_t rank = x.rank();
  if (params->axis < -rank || params->axis >= rank) {
    return ctx.Error("axis ", params->axis, " is out of range for input '", x.name, "' of dims ",
                     DimsString(x.dims), "; expected -", rank, " <= axis < ", rank);
  }
  const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
  const Dims norm(x.dims.begin() + axis, x.dims.end());
  if (!ctx.has_input(1)) return ctx.Error("input 1 (Scale) is missing; it is required");
  KILN_RETURN_IF_ERROR(CheckBroadcast(ctx, "Scale", ctx.inputs[1], norm));
  if (ctx.has_input(2)) KILN_RETURN_IF_ERROR(CheckBroadcast(ctx, "B", ctx.inputs[2], norm));
  if (ctx.has_input(3)) {
    const TensorDesc& skip = ctx.inputs[3];
    if (skip.dtype != x.dtype || skip.dims != x.dims) {
      return ctx.Error("Skip '", skip.name, "' is ", skip.ToString(), "; expected X's ",
                       DataTypeName(x.dtype), "[", DimsString(x.dims), "]");
    }
  }

  TensorDesc y{"", x.dtype, x.dims, TensorFormat::kLinear};
  Dims stat_dims = x.dims;
  for (int64_t d = axis; d < rank; ++d) stat_dims[d] = 1;
  TensorDesc stat{"", DataType::kFloat32, stat_dims, TensorFormat::kLinear};
  return std::vector<TensorDesc>{y, stat, stat};
}

OpSchema MakeLayerNormalizationSchema() {
  OpSchema schema;
  schema.name = kLayerNormalizationOp;
  schema.min_inputs = 2;
  schema.max_inputs = 4;
  schema.num_outputs = 3;
  schema.infer = InferLayerNormalization;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeLayerNormalizationSchema());

AttrMap LayerNormalizationParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  attrs.Set("epsilon", epsilon);
  attrs.Set("stash_type", stash_type);
  return attrs;
}

absl::StatusOr<LayerNormalizationParams> LayerNormalizationParams::FromAttrs(
    const AttrMap& attrs) {
  LayerNormalizationParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", -1));
  KILN_ASSIGN_OR_RETURN(params.epsilon, attrs.GetFloat("epsilon", 1e-5f));
  KILN_ASSIGN_OR_RETURN(params.stash_type, attrs.GetInt("stash_type", 1));
  if (!(params.epsilon >= 0.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("attribute 'epsilon' is ", params.epsilon, "; expected >= 0"));
  }
  return params;
}

absl::StatusOr<TensorId> AddLayerNormalization(NetworkDefinition& network,
                                               absl::string_view name, TensorId input,
                                               const LayerNormalizationParams& params,
                                               Weights scale, std::optional<Weights> bias) {
  KILN_ASSIGN_OR_RETURN(TensorId scale_id,
                        network.AddConstant(absl::StrCat(name, ".scale"), std::move(scale)));
  std::vector<TensorId> inputs = {input, scale_id};
  if (bias.has_value()) {
    KILN_ASSIGN_OR_RETURN(TensorId bias_id,
                          network.AddConstant(absl::StrCat(name, ".bias"), std::move(*bias)));
    inputs.push_back(bias_id);
  }
  KILN_ASSIGN_OR_RETURN(
      std::vector<TensorId> outs,
      network.AddLayer(name, kLayerNormalizationOp, std::move(inputs), params.ToAttrs()));
  return outs[0];
}

}  // namespace kiln
