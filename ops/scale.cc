#include "ops/scale.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

constexpr ScaleMode kAllModes[] = {ScaleMode::kUniform, ScaleMode::kChannel,
                                   ScaleMode::kElementwise};
constexpr const char* kParamNames[] = {"x", "shift", "scale", "power"};

absl::StatusOr<std::vector<TensorDesc>> InferScale(const InferenceContext& ctx) {
  absl::StatusOr<ScaleParams> params = ScaleParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (ctx.has_input(i) && !IsFloatType(ctx.inputs[i].dtype)) {
      return ctx.Error(kParamNames[i], " '", ctx.inputs[i].name, "' is ",
                       DataTypeName(ctx.inputs[i].dtype), "; Scale takes fp32 or fp16");
    }
  }
  int64_t expected = 1;
  std::string what = "1 value (uniform mode)";
  if (params->mode == ScaleMode::kChannel) {
    const int64_t axis =
        params->channel_axis < 0 ? params->channel_axis + x.rank() : params->channel_axis;
    if (axis < 1 || axis >= x.rank()) {
      return ctx.Error("channel_axis ", params->channel_axis, " is out of range for input '",
                       x.name, "' of rank ", x.rank(), " (dims ", DimsString(x.dims),
                       "); it must name a dim other than 0, the batch");
    }
    expected = x.dims[axis];
    what = absl::StrCat(expected, " values (one per channel of dim ", axis, " of ",
                        DimsString(x.dims), ")");
  } else if (params->mode == ScaleMode::kElementwise) {
    if (x.rank() < 1) return ctx.Error("elementwise mode needs an input of rank >= 1");
    expected = Volume(Dims(x.dims.begin() + 1, x.dims.end()));
    what = absl::StrCat(expected, " values (one per element of a ", DimsString(x.dims),
                        " batch item)");
  }
  for (size_t i = 1; i < ctx.inputs.size(); ++i) {
    if (ctx.has_input(i) && ctx.inputs[i].volume() != expected) {
      return ctx.Error(kParamNames[i], " '", ctx.inputs[i].name, "' has ", ctx.inputs[i].volume(),
                       " values (dims ", DimsString(ctx.inputs[i].dims), "); expected ", what);
    }
  }
  return std::vector<TensorDesc>{x};
}

OpSchema MakeScaleSchema() {
  OpSchema schema;
  schema.name = kScaleOp;
  schema.min_inputs = 1;
  schema.max_inputs = 4;
  schema.infer = InferScale;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeScaleSchema());

absl::string_view ScaleModeName(ScaleMode mode) {
  switch (mode) {
    case ScaleMode::kUniform: return "uniform";
    case ScaleMode::kChannel: return "channel";
    case ScaleMode::kElementwise: return "elementwise";
  }
  return "unknown";
}

AttrMap ScaleParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("mode", std::string(ScaleModeName(mode)));
  attrs.Set("channel_axis", channel_axis);
  return attrs;
}

absl::StatusOr<ScaleParams> ScaleParams::FromAttrs(const AttrMap& attrs) {
  ScaleParams params;
  KILN_ASSIGN_OR_RETURN(std::string mode, attrs.GetString("mode", "uniform"));
  bool found = false;
  for (ScaleMode m : kAllModes) {
    if (ScaleModeName(m) == mode) {
      params.mode = m;
      found = true;
    }
  }
  if (!found) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown scale mode '", mode, "'; expected uniform, channel or elementwise"));
  }
  KILN_ASSIGN_OR_RETURN(params.channel_axis, attrs.GetInt("channel_axis", 1));
  return params;
}

absl::StatusOr<TensorId> AddScale(NetworkDefinition& network, absl::string_view name,
                                  TensorId input, const ScaleParams& params,
                                  std::optional<Weights> shift, std::optional<Weights> scale,
                                  std::optional<Weights> power) {
  std::vector<TensorId> inputs = {input};
  std::optional<Weights>* values[] = {&shift, &scale, &power};
  for (int i = 0; i < 3; ++i) {
    TensorId id = -1;
    if (values[i]->has_value()) {
      KILN_ASSIGN_OR_RETURN(id, network.AddConstant(absl::StrCat(name, ".", kParamNames[i + 1]),
                                                    std::move(**values[i])));
    }
    inputs.push_back(id);
  }
  return network.AddLayer1(name, kScaleOp, std::move(inputs), params.ToAttrs());
}

}  // namespace kiln
