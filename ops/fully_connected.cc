#include "ops/fully_connected.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferFullyConnected(const InferenceContext& ctx) {
  absl::StatusOr<FullyConnectedParams> params = FullyConnectedParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (!ctx.has_input(1)) return ctx.Error("the weight input (input 1) is required");
  const TensorDesc& w = ctx.inputs[1];
  for (int i = 0; i < 3; ++i) {
    if (ctx.has_input(i) && !IsFloatType(ctx.inputs[i].dtype)) {
      return ctx.Error("input ", i, " '", ctx.inputs[i].name, "' is ",
                       DataTypeName(ctx.inputs[i].dtype), "; FullyConnected takes fp32 or fp16");
    }
  }
  const int64_t rank = x.rank();
  const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
  if (axis < 1 || axis > rank) {
    return ctx.Error("axis ", params->axis, " is out of range for input '", x.name, "' of rank ",
                     rank, " (dims ", DimsString(x.dims),
                     "); it must select a dim in [1, rank]: dim 0 is the batch and is never "
                     "flattened into the features");
  }
  if (w.rank() != 2) {
    return ctx.Error("weight '", w.name, "' must be 2-D (K_out x K_in), got dims ",
                     DimsString(w.dims));
  }
  const Dims features(x.dims.begin() + axis, x.dims.end());
  const int64_t k_in = Volume(features);
  const int64_t k_out = w.dims[0];
  if (w.dims[1] != k_in) {
    return ctx.Error("input '", x.name, "' ", DimsString(x.dims), " flattened at axis ", axis,
                     " has ", k_in, " features, weight '", w.name, "' expects ", w.dims[1],
                     " (weight dims ", DimsString(w.dims), ")");
  }
  if (ctx.has_input(2) && ctx.inputs[2].dims != Dims{k_out}) {
    return ctx.Error("bias '", ctx.inputs[2].name, "' has dims ", DimsString(ctx.inputs[2].dims),
                     "; expected ", k_out, " (one value per output)");
  }
  TensorDesc out;
  out.dtype = x.dtype;
  out.dims.assign(x.dims.begin(), x.dims.begin() + axis);
  out.dims.push_back(k_out);
  return std::vector<TensorDesc>{out};
}

OpSchema MakeFullyConnectedSchema() {
  OpSchema schema;
  schema.name = kFullyConnectedOp;
  schema.min_inputs = 2;
  schema.max_inputs = 3;
  schema.infer = InferFullyConnected;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeFullyConnectedSchema());

AttrMap FullyConnectedParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("axis", axis);
  SetFusedActivation(activation, attrs);
  return attrs;
}

absl::StatusOr<FullyConnectedParams> FullyConnectedParams::FromAttrs(const AttrMap& attrs) {
  FullyConnectedParams params;
  KILN_ASSIGN_OR_RETURN(params.axis, attrs.GetInt("axis", 1));
  KILN_ASSIGN_OR_RETURN(params.activation, GetFusedActivation(attrs));
  return params;
}

absl::StatusOr<TensorId> AddFullyConnected(NetworkDefinition& network, absl::string_view name,
                                           TensorId input, int64_t num_outputs, Weights weight,
                                           std::optional<Weights> bias, int axis) {
  const auto error = [&](const auto&... args) {
    return absl::InvalidArgumentError(
        absl::StrCat("layer '", name, "' (", kFullyConnectedOp, "): ", args...));
  };
  if (num_outputs <= 0) return error("num_outputs must be positive, got ", num_outputs);
  const int64_t count = Volume(weight.dims());
  if (weight.dims().size() == 2) {
    if (weight.dims()[0] != num_outputs) {
      return error("weight dims ", DimsString(weight.dims()), " do not start with num_outputs ",
                   num_outputs, "; give them as (K_out, K_in)");
    }
  } else {
    // A flat weight (TensorRT style): reshape to (num_outputs, count / num_outputs).
    if (count % num_outputs != 0) {
      return error("weight has ", count, " values, not a multiple of num_outputs ", num_outputs);
    }
    weight = Weights::FromBytes(weight.dtype(), {num_outputs, count / num_outputs}, weight.data(),
                                weight.bytes());
  }
  KILN_ASSIGN_OR_RETURN(TensorId weight_id,
                        network.AddConstant(absl::StrCat(name, ".weight"), std::move(weight)));
  TensorId bias_id = -1;
  if (bias.has_value()) {
    if (Volume(bias->dims()) != num_outputs) {
      return error("bias has ", Volume(bias->dims()), " values, expected num_outputs ",
                   num_outputs);
    }
    Weights flat = Weights::FromBytes(bias->dtype(), {num_outputs}, bias->data(), bias->bytes());
    KILN_ASSIGN_OR_RETURN(bias_id,
                          network.AddConstant(absl::StrCat(name, ".bias"), std::move(flat)));
  }
  FullyConnectedParams params;
  params.axis = axis;
  return network.AddLayer1(name, kFullyConnectedOp, {input, weight_id, bias_id}, params.ToAttrs());
}

}  // namespace kiln
