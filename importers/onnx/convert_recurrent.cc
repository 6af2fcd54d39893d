// ONNX recurrent ops: RNN, GRU, LSTM map one-to-one onto the kiln ops of the
// same names (ops/rnn.h, ops/gru.h, ops/lstm.h), which take ONNX's inputs,
// outputs and attributes as they are.

#include <string>
#include <vector>

#include "graph/status_macros.h"
#include "importers/onnx/import_context.h"
#include "ops/gru.h"
#include "ops/lstm.h"
#include "ops/recurrent.h"
#include "ops/rnn.h"

namespace kiln {
namespace onnx_import {
namespace {

absl::StatusOr<RecurrentParams> ReadRecurrentAttrs(const ImportContext& ctx) {
  RecurrentParams params;
  KILN_ASSIGN_OR_RETURN(params.hidden_size, ctx.AttrInt("hidden_size", 0));
  KILN_ASSIGN_OR_RETURN(std::string direction, ctx.AttrString("direction", "forward"));
  if (direction == "forward") {
    params.direction = RecurrentDirection::kForward;
  } else if (direction == "reverse") {
    params.direction = RecurrentDirection::kReverse;
  } else if (direction == "bidirectional") {
    params.direction = RecurrentDirection::kBidirectional;
  } else {
    return ctx.Error("direction is '", direction, "'; expected forward, reverse or bidirectional");
  }
  KILN_ASSIGN_OR_RETURN(params.layout, ctx.AttrInt("layout", 0));
  params.has_clip = ctx.HasAttr("clip");
  KILN_ASSIGN_OR_RETURN(params.clip, ctx.AttrFloat("clip", 0.0f));
  if (const onnx::AttributeProto* activations = ctx.Attr("activations")) {
    for (const std::string& name : activations->strings()) params.activations.push_back(name);
  }
  KILN_ASSIGN_OR_RETURN(params.activation_alpha, ctx.AttrFloats("activation_alpha", {}));
  KILN_ASSIGN_OR_RETURN(params.activation_beta, ctx.AttrFloats("activation_beta", {}));
  KILN_ASSIGN_OR_RETURN(int64_t linear_before_reset, ctx.AttrInt("linear_before_reset", 0));
  KILN_ASSIGN_OR_RETURN(int64_t input_forget, ctx.AttrInt("input_forget", 0));
  params.linear_before_reset = linear_before_reset != 0;
  params.input_forget = input_forget != 0;
  return params;
}

OnnxConverter RecurrentConverter(const char* op, RecurrentKind kind) {
  return [op, kind](ImportContext& ctx) -> absl::Status {
    KILN_ASSIGN_OR_RETURN(RecurrentParams params, ReadRecurrentAttrs(ctx));
    const int num_inputs = kind == RecurrentKind::kLstm ? 8 : 6;
    std::vector<TensorId> inputs;
    for (int i = 0; i < num_inputs; ++i) inputs.push_back(ctx.input(i));  // -1 when omitted
    for (int i = 0; i < 3; ++i) KILN_RETURN_IF_ERROR(ctx.RequiredInput(i).status());
    // Layers are named after output 0; when Y is omitted and the node has no
    // name that is empty, so name the layer after the first output present.
    std::string suffix;
    if (!ctx.has_output(0) && ctx.node().name().empty()) {
      for (int i = 1; i < ctx.num_outputs() && suffix.empty(); ++i) suffix = ctx.node().output(i);
    }
    KILN_ASSIGN_OR_RETURN(std::vector<TensorId> outputs,
                          ctx.AddLayer(suffix, op, std::move(inputs), params.ToAttrs(kind)));
    for (int i = 0; i < ctx.num_outputs() && i < static_cast<int>(outputs.size()); ++i) {
      if (ctx.has_output(i)) KILN_RETURN_IF_ERROR(ctx.SetOutput(i, outputs[i]));
    }
    return absl::OkStatus();
  };
}

}  // namespace

KILN_REGISTER_ONNX_CONVERTER("RNN", RecurrentConverter(kRnnOp, RecurrentKind::kRnn));
KILN_REGISTER_ONNX_CONVERTER("GRU", RecurrentConverter(kGruOp, RecurrentKind::kGru));
KILN_REGISTER_ONNX_CONVERTER("LSTM", RecurrentConverter(kLstmOp, RecurrentKind::kLstm));

}  // namespace onnx_import
}  // namespace kiln
