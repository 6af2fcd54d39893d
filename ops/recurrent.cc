#include "ops/recurrent.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/status_macros.h"

namespace kiln {
namespace {

struct ActivationInfo {
  const char* name;  // lower case
  RecurrentActivationType type;
  bool takes_alpha;
  float default_alpha;
  bool takes_beta;
  float default_beta;
};

// Defaults are those of the ONNX operators of the same names (Affine and
// ScaledTanh, which have none, default to the identity scalings).
constexpr ActivationInfo kActivations[] = {
    {"relu", RecurrentActivationType::kRelu, false, 0.0f, false, 0.0f},
    {"tanh", RecurrentActivationType::kTanh, false, 0.0f, false, 0.0f},
    {"sigmoid", RecurrentActivationType::kSigmoid, false, 0.0f, false, 0.0f},
    {"affine", RecurrentActivationType::kAffine, true, 1.0f, true, 0.0f},
    {"leakyrelu", RecurrentActivationType::kLeakyRelu, true, 0.01f, false, 0.0f},
    {"thresholdedrelu", RecurrentActivationType::kThresholdedRelu, true, 1.0f, false, 0.0f},
    {"scaledtanh", RecurrentActivationType::kScaledTanh, true, 1.0f, true, 1.0f},
    {"hardsigmoid", RecurrentActivationType::kHardSigmoid, true, 0.2f, true, 0.5f},
    {"elu", RecurrentActivationType::kElu, true, 1.0f, false, 0.0f},
    {"softsign", RecurrentActivationType::kSoftsign, false, 0.0f, false, 0.0f},
    {"softplus", RecurrentActivationType::kSoftplus, false, 0.0f, false, 0.0f},
};

std::vector<std::string> DefaultActivations(RecurrentKind kind) {
  switch (kind) {
    case RecurrentKind::kRnn:
      return {"Tanh"};
    case RecurrentKind::kGru:
      return {"Sigmoid", "Tanh"};
    case RecurrentKind::kLstm:
      return {"Sigmoid", "Tanh", "Tanh"};
  }
  return {};
}

absl::string_view DirectionName(RecurrentDirection direction) {
  switch (direction) {
    case RecurrentDirection::kForward:
      return "forward";
    case RecurrentDirection::kReverse:
      return "reverse";
    case RecurrentDirection::kBidirectional:
      return "bidirectional";
  }
  return "forward";
}

absl::Status ResolveActivations(RecurrentParams& params, RecurrentKind kind) {
  const size_t per_direction = RecurrentActivationCount(kind);
  const size_t expected = per_direction * params.num_directions();
  if (params.activations.empty()) {
    for (int64_t d = 0; d < params.num_directions(); ++d) {
      for (std::string& name : DefaultActivations(kind)) params.activations.push_back(name);
    }
  }
  if (params.activations.size() != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("activations lists ", params.activations.size(), " functions (",
                     absl::StrJoin(params.activations, ","), "); expected ", expected, " (",
                     per_direction, " per direction, ", params.num_directions(), " direction(s))"));
  }
  size_t next_alpha = 0, next_beta = 0;
  params.functions.clear();
  for (const std::string& name : params.activations) {
    const std::string lower = absl::AsciiStrToLower(name);
    const ActivationInfo* info = nullptr;
    for (const ActivationInfo& candidate : kActivations) {
      if (lower == candidate.name) info = &candidate;
    }
    if (info == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown activation '", name,
          "'; expected Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, "
          "HardSigmoid, Elu, Softsign or Softplus"));
    }
    RecurrentActivation f{info->type, info->default_alpha, info->default_beta};
    if (info->takes_alpha && next_alpha < params.activation_alpha.size()) {
      f.alpha = params.activation_alpha[next_alpha++];
    }
    if (info->takes_beta && next_beta < params.activation_beta.size()) {
      f.beta = params.activation_beta[next_beta++];
    }
    params.functions.push_back(f);
  }
  return absl::OkStatus();
}

}  // namespace

int RecurrentGateCount(RecurrentKind kind) {
  switch (kind) {
    case RecurrentKind::kRnn:
      return 1;
    case RecurrentKind::kGru:
      return 3;
    case RecurrentKind::kLstm:
      return 4;
  }
  return 1;
}

int RecurrentActivationCount(RecurrentKind kind) {
  switch (kind) {
    case RecurrentKind::kRnn:
      return 1;
    case RecurrentKind::kGru:
      return 2;
    case RecurrentKind::kLstm:
      return 3;
  }
  return 1;
}

AttrMap RecurrentParams::ToAttrs(RecurrentKind kind) const {
  AttrMap attrs;
  attrs.Set("hidden_size", hidden_size);
  attrs.Set("direction", std::string(DirectionName(direction)));
  attrs.Set("layout", layout);
  if (has_clip) attrs.Set("clip", clip);
  // AttrMap has no list of strings: the names are joined with commas.
  if (!activations.empty()) attrs.Set("activations", absl::StrJoin(activations, ","));
  if (!activation_alpha.empty()) attrs.Set("activation_alpha", activation_alpha);
  if (!activation_beta.empty()) attrs.Set("activation_beta", activation_beta);
  if (kind == RecurrentKind::kGru) attrs.Set("linear_before_reset", linear_before_reset);
  if (kind == RecurrentKind::kLstm) attrs.Set("input_forget", input_forget);
  return attrs;
}

absl::StatusOr<RecurrentParams> RecurrentParams::FromAttrs(const AttrMap& attrs,
                                                           RecurrentKind kind) {
  RecurrentParams params;
  KILN_ASSIGN_OR_RETURN(params.hidden_size, attrs.GetInt("hidden_size", 0));
  if (params.hidden_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("hidden_size is ", params.hidden_size, "; expected a positive size"));
  }
  KILN_ASSIGN_OR_RETURN(std::string direction, attrs.GetString("direction", "forward"));
  if (direction == "forward") {
    params.direction = RecurrentDirection::kForward;
  } else if (direction == "reverse") {
    params.direction = RecurrentDirection::kReverse;
  } else if (direction == "bidirectional") {
    params.direction = RecurrentDirection::kBidirectional;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("direction is '", direction, "'; expected forward, reverse or bidirectional"));
  }
  KILN_ASSIGN_OR_RETURN(params.layout, attrs.GetInt("layout", 0));
  if (params.layout != 0 && params.layout != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("layout is ", params.layout, "; expected 0 (time-major) or 1 (batch-major)"));
  }
  params.has_clip = attrs.Has("clip");
  KILN_ASSIGN_OR_RETURN(params.clip, attrs.GetFloat("clip", 0.0f));
  if (params.has_clip && !(params.clip > 0.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("clip is ", params.clip, "; expected a positive threshold"));
  }
  KILN_ASSIGN_OR_RETURN(std::string activations, attrs.GetString("activations", ""));
  if (!activations.empty()) params.activations = absl::StrSplit(activations, ',');
  KILN_ASSIGN_OR_RETURN(params.activation_alpha, attrs.GetFloats("activation_alpha", {}));
  KILN_ASSIGN_OR_RETURN(params.activation_beta, attrs.GetFloats("activation_beta", {}));
  KILN_ASSIGN_OR_RETURN(int64_t linear_before_reset, attrs.GetInt("linear_before_reset", 0));
  KILN_ASSIGN_OR_RETURN(int64_t input_forget, attrs.GetInt("input_forget", 0));
  params.linear_before_reset = linear_before_reset != 0;
  params.input_forget = input_forget != 0;
  KILN_RETURN_IF_ERROR(ResolveActivations(params, kind));
  return params;
}

RecurrentShape RecurrentShapeOf(const Dims& x, const Dims& r, int64_t layout) {
  RecurrentShape shape;
  shape.layout = layout;
  shape.seq = layout == 0 ? x[0] : x[1];
  shape.batch = layout == 0 ? x[1] : x[0];
  shape.input = x[2];
  shape.num_directions = r[0];
  shape.hidden = r[2];
  return shape;
}

absl::StatusOr<std::vector<TensorDesc>> InferRecurrent(const InferenceContext& ctx,
                                                       RecurrentKind kind) {
  absl::StatusOr<RecurrentParams> params = RecurrentParams::FromAttrs(ctx.attrs, kind);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  const TensorDesc& w = ctx.inputs[1];
  const TensorDesc& r = ctx.inputs[2];
  if (!IsFloatType(x.dtype)) {
    return ctx.Error("input X '", x.name, "' is ", DataTypeName(x.dtype),
                     "; expected fp32 or fp16");
  }
  if (x.rank() != 3) {
    return ctx.Error("input X has dims ", DimsString(x.dims), "; expected 3 dims (",
                     params->layout == 0 ? "seq, batch, input" : "batch, seq, input", ")");
  }
  const int64_t nd = params->num_directions();
  const int64_t gates = RecurrentGateCount(kind);
  if (r.rank() != 3) {
    return ctx.Error("input R has dims ", DimsString(r.dims),
                     "; expected 3 dims (num_directions, gates*hidden, hidden)");
  }
  const int64_t hidden = params->hidden_size > 0 ? params->hidden_size : r.dims[2];
  const int64_t seq = params->layout == 0 ? x.dims[0] : x.dims[1];
  const int64_t batch = params->layout == 0 ? x.dims[1] : x.dims[0];
  const int64_t input = x.dims[2];

  // Every other input must have one exact shape; name it and what was found.
  auto check = [&](size_t i, const char* what, const Dims& expected,
                   const char* meaning) -> absl::Status {
    if (!ctx.has_input(i)) return absl::OkStatus();
    const TensorDesc& t = ctx.inputs[i];
    if (i == 4) {
      if (t.dtype != DataType::kInt32 && t.dtype != DataType::kInt64) {
        return ctx.Error("input sequence_lens is ", DataTypeName(t.dtype), "; expected int32");
      }
    } else if (t.dtype != x.dtype) {
      return ctx.Error("input ", what, " is ", DataTypeName(t.dtype), "; expected ",
                       DataTypeName(x.dtype), " like X");
    }
    if (t.dims != expected) {
      return ctx.Error("input ", what, " has dims ", DimsString(t.dims), "; expected ",
                       DimsString(expected), " (", meaning, ", direction ",
                       DirectionName(params->direction), ", hidden_size ", hidden, ")");
    }
    return absl::OkStatus();
  };
  const Dims state = params->layout == 0 ? Dims{nd, batch, hidden} : Dims{batch, nd, hidden};
  const char* state_meaning =
      params->layout == 0 ? "num_directions, batch, hidden" : "batch, num_directions, hidden";
  KILN_RETURN_IF_ERROR(
      check(1, "W", {nd, gates * hidden, input}, "num_directions, gates*hidden, input"));
  KILN_RETURN_IF_ERROR(
      check(2, "R", {nd, gates * hidden, hidden}, "num_directions, gates*hidden, hidden"));
  KILN_RETURN_IF_ERROR(check(3, "B", {nd, 2 * gates * hidden}, "num_directions, 2*gates*hidden"));
  KILN_RETURN_IF_ERROR(check(4, "sequence_lens", {batch}, "batch"));
  KILN_RETURN_IF_ERROR(check(5, "initial_h", state, state_meaning));
  if (kind == RecurrentKind::kLstm) {
    KILN_RETURN_IF_ERROR(check(6, "initial_c", state, state_meaning));
    KILN_RETURN_IF_ERROR(check(7, "P", {nd, 3 * hidden}, "num_directions, 3*hidden"));
  }

  TensorDesc y;
  y.dtype = x.dtype;
  y.dims = params->layout == 0 ? Dims{seq, nd, batch, hidden} : Dims{batch, seq, nd, hidden};
  TensorDesc y_h;
  y_h.dtype = x.dtype;
  y_h.dims = state;
  std::vector<TensorDesc> outputs = {y, y_h};
  if (kind == RecurrentKind::kLstm) outputs.push_back(y_h);  // Y_c
  return outputs;
}

}  // namespace kiln
