#include "optimizer/passes/fold_scale.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"
#include "ops/convolution.h"
#include "ops/deconvolution.h"
#include "ops/fully_connected.h"
#include "ops/scale.h"

namespace kiln {
namespace {

constexpr const char* kScaleInputNames[] = {"x", "shift", "scale", "power"};

// The layer a Scale folds into, and how its weight maps to output channels.
struct Target {
  NodeId layer = kNoNode;
  int64_t channel_axis = 1;  // of the layer's output
  int64_t channels = 0;      // output channels (K)
  // The weight's leading dims that pick an output channel, flattened: (K) for
  // Convolution and FullyConnected, (C, K/group) for Deconvolution.
  int64_t rows = 0;
  int64_t out_per_group = 0;  // Deconvolution: K/group; 0 otherwise
  int64_t in_per_group = 0;   // Deconvolution: C/group

  int64_t Channel(int64_t row) const {
    if (out_per_group == 0) return row;
    const int64_t c = row / out_per_group;
    return c / in_per_group * out_per_group + row % out_per_group;
  }
};

// Logs why Scale `scale` stays (`layer`: what it would fold into, if known).
void NotFolding(Logger* logger, const Node& scale, const Node* layer, absl::string_view why) {
  LogVerbose(logger, "fold-scale: not folding '", scale.name, "'",
             layer == nullptr ? "" : absl::StrCat(" into '", layer->name, "'"), ": ", why);
}

template <typename Params>
absl::StatusOr<Params> ParamsOf(const Node& node) {
  absl::StatusOr<Params> params = Params::FromAttrs(node.attrs);
  if (!params.ok()) {
    return absl::InternalError(absl::StrCat("fold-scale: layer '", node.name, "' (", node.op,
                                            "): ", params.status().message()));
  }
  return params;
}

std::vector<float> ToFloats(const Weights& w) {
  std::vector<float> v(Volume(w.dims()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = w.dtype() == DataType::kFloat16 ? HalfToFloat(w.as<uint16_t>()[i]) : w.as<float>()[i];
  }
  return v;
}

// `v` rounded once to `dtype` (fp32 or fp16).
Weights FromFloats(DataType dtype, const Dims& dims, const std::vector<float>& v) {
  if (dtype == DataType::kFloat32) return Weights::FromFloats(dims, v);
  Weights w(dtype, dims);
  for (size_t i = 0; i < v.size(); ++i) w.mutable_as<uint16_t>()[i] = FloatToHalf(v[i]);
  return w;
}

// Fills `target`'s layout for `layer`; returns why it cannot take a scale,
// empty when it can.
absl::StatusOr<std::string> Layout(const Graph& graph, const Node& layer, Target* target) {
  const Dims& w = graph.tensor(layer.inputs[1]).desc.dims;
  const Dims& y = graph.tensor(layer.outputs[0]).desc.dims;
  target->rows = w[0];
  if (layer.op == kConvolutionOp) {
    KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ParamsOf<ConvolutionParams>(layer));
    if (p.activation.has_value() || (layer.inputs.size() > 3 && layer.inputs[3] >= 0)) {
      return std::string("it has a fused activation or residual, which the scale would follow");
    }
  } else if (layer.op == kFullyConnectedOp) {
    KILN_ASSIGN_OR_RETURN(FullyConnectedParams p, ParamsOf<FullyConnectedParams>(layer));
    if (p.activation.has_value()) {
      return std::string("it has a fused activation, which the scale would follow");
    }
    target->channel_axis = static_cast<int64_t>(y.size()) - 1;
  } else {
    KILN_ASSIGN_OR_RETURN(DeconvolutionParams p, ParamsOf<DeconvolutionParams>(layer));
    target->rows = w[0] * w[1];
    target->out_per_group = w[1];
    target->in_per_group = w[0] / p.group;
  }
  target->channels = y[target->channel_axis];
  return std::string();
}

// The layer that writes `scale`'s input, when the scale may fold into it;
// a Target with layer kNoNode (after logging why) otherwise.
absl::StatusOr<Target> FindTarget(const Graph& graph, const Readers& readers, const Node& scale,
                                  Logger* logger) {
  Target target;
  const TensorId x = scale.inputs[0];
  const Tensor& tensor = graph.tensor(x);
  const NodeId p = tensor.producer;
  const std::string op = p == kNoNode ? "" : graph.node(p).op;
  if (op != kConvolutionOp && op != kFullyConnectedOp && op != kDeconvolutionOp) {
    NotFolding(logger, scale, nullptr,
               absl::StrCat("its input '", tensor.desc.name, "' is not written by a Convolution, ",
                            "Deconvolution or FullyConnected"));
    return target;
  }
  const Node& layer = graph.node(p);
  const TensorId w = layer.inputs.size() > 1 ? layer.inputs[1] : -1;
  const TensorId b = layer.inputs.size() > 2 ? layer.inputs[2] : -1;
  std::string why;
  if (tensor.is_output) {
    why = absl::StrCat("'", tensor.desc.name, "' is a network output");
  } else if (readers[x].size() != 1 || layer.outputs.size() != 1) {
    why = absl::StrCat("'", tensor.desc.name, "' has ", DescribeReaders(graph, readers[x]));
  } else if (w < 0 || !graph.tensor(w).is_constant() || !IsFloatType(graph.tensor(w).desc.dtype)) {
    why = "its weight is not a float constant";
  } else if (b >= 0 && !graph.tensor(b).is_constant()) {
    why = absl::StrCat("its bias '", graph.tensor(b).desc.name, "' is not a constant");
  } else {
    KILN_ASSIGN_OR_RETURN(why, Layout(graph, layer, &target));
  }
  if (!why.empty()) {
    NotFolding(logger, scale, &layer, why);
    return target;
  }
  target.layer = p;
  return target;
}

// Why `scale` does not fit `target`'s output channels; empty when it does.
absl::StatusOr<std::string> WhyScaleDoesNotFit(const Graph& graph, const Node& scale,
                                               const Target& target) {
  KILN_ASSIGN_OR_RETURN(ScaleParams params, ParamsOf<ScaleParams>(scale));
  if (params.mode == ScaleMode::kElementwise) {
    return std::string("it is in elementwise mode (a value per element, not per channel)");
  }
  const int64_t rank = graph.tensor(scale.inputs[0]).desc.rank();
  const int64_t axis = params.channel_axis < 0 ? params.channel_axis + rank : params.channel_axis;
  if (params.mode == ScaleMode::kChannel && axis != target.channel_axis) {
    return absl::StrCat("it scales dim ", axis, ", not the output channels (dim ",
                        target.channel_axis, ")");
  }
  for (size_t i = 1; i < scale.inputs.size() && i < 4; ++i) {
    const TensorId t = scale.inputs[i];
    if (t >= 0 && !graph.tensor(t).is_constant()) {
      return absl::StrCat("its ", kScaleInputNames[i], " '", graph.tensor(t).desc.name,
                          "' is not a constant");
    }
  }
  if (scale.inputs.size() > 3 && scale.inputs[3] >= 0) {
    const Tensor& power = graph.tensor(scale.inputs[3]);
    for (float v : ToFloats(*power.constant)) {
      if (v != 1.0f) return absl::StrCat("its power '", power.desc.name, "' is not all ones");
    }
  }
  return std::string();
}

// A new constant tensor named `name` (or `name`_2, ... when taken).
TensorId AddConstant(Graph& graph, const std::string& name, Weights value) {
  std::string unique = name;
  for (int i = 2; graph.FindTensor(unique).has_value() || graph.FindNode(unique).has_value(); ++i) {
    unique = absl::StrCat(name, "_", i);
  }
  Tensor t;
  t.desc = TensorDesc{unique, value.dtype(), value.dims(), TensorFormat::kLinear};
  t.constant = std::make_shared<const Weights>(std::move(value));
  return graph.AddTensor(std::move(t));
}

// The Scale's input `i` (1 shift, 2 scale) as floats; empty when omitted.
std::vector<float> ScaleInput(const Graph& graph, const Node& scale, size_t i) {
  if (i >= scale.inputs.size() || scale.inputs[i] < 0) return {};
  return ToFloats(*graph.tensor(scale.inputs[i]).constant);
}

// v[k]; v[0] for a uniform value; `omitted` when there is none.
float At(const std::vector<float>& v, int64_t k, float omitted) {
  if (v.empty()) return omitted;
  return v.size() == 1 ? v[0] : v[k];
}

// Gives `target` new weight and bias with the scale applied and makes it
// write the Scale's output; the Scale is left for the caller to drop.
void Fold(Graph& graph, const Target& target, const Node& scale_node) {
  const std::vector<float> scale = ScaleInput(graph, scale_node, 2);
  const std::vector<float> shift = ScaleInput(graph, scale_node, 1);
  const Node& layer = graph.node(target.layer);
  const Weights& w = *graph.tensor(layer.inputs[1]).constant;
  std::vector<float> weight = ToFloats(w);
  const int64_t inner = static_cast<int64_t>(weight.size()) / target.rows;
  for (size_t i = 0; i < weight.size(); ++i) {
    weight[i] *= At(scale, target.Channel(static_cast<int64_t>(i) / inner), 1.0f);
  }
  const TensorId b = layer.inputs.size() > 2 ? layer.inputs[2] : -1;
  const Weights* old_bias = b >= 0 ? graph.tensor(b).constant.get() : nullptr;
  std::vector<float> bias =
      old_bias != nullptr ? ToFloats(*old_bias) : std::vector<float>(target.channels, 0.0f);
  for (int64_t k = 0; k < target.channels; ++k) {
    bias[k] = bias[k] * At(scale, k, 1.0f) + At(shift, k, 0.0f);
  }
  Weights new_weight = FromFloats(w.dtype(), w.dims(), weight);
  Weights new_bias =
      FromFloats(old_bias != nullptr ? old_bias->dtype() : w.dtype(),
                 old_bias != nullptr ? old_bias->dims() : Dims{target.channels}, bias);
  // AddTensor invalidates references into the graph's tensors.
  const TensorId weight_id =
      AddConstant(graph, scale_node.name + ".folded_weight", std::move(new_weight));
  const TensorId bias_id =
      AddConstant(graph, scale_node.name + ".folded_bias", std::move(new_bias));
  Node& rewritten = graph.node(target.layer);
  rewritten.inputs.resize(std::max<size_t>(3, rewritten.inputs.size()), -1);
  rewritten.inputs[1] = weight_id;
  rewritten.inputs[2] = bias_id;
  rewritten.outputs[0] = scale_node.outputs[0];
  graph.tensor(scale_node.outputs[0]).producer = target.layer;
}

// Folds Scale `n` into the layer before it when it can.
absl::StatusOr<bool> TryFoldScale(Graph& graph, const Readers& readers, NodeId n, Logger* logger) {
  const Node& scale = graph.node(n);
  if (scale.op != kScaleOp || scale.inputs.empty() || scale.inputs[0] < 0 ||
      scale.outputs.size() != 1) {
    return false;
  }
  KILN_ASSIGN_OR_RETURN(Target target, FindTarget(graph, readers, scale, logger));
  if (target.layer == kNoNode) return false;
  KILN_ASSIGN_OR_RETURN(std::string why, WhyScaleDoesNotFit(graph, scale, target));
  if (!why.empty()) {
    NotFolding(logger, scale, &graph.node(target.layer), why);
    return false;
  }
  Fold(graph, target, scale);
  return true;
}

}  // namespace

absl::StatusOr<bool> FoldScale::Run(Graph& graph, Logger* logger) {
  const Readers readers = ReadersOf(graph);
  std::vector<NodeId> keep;
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    KILN_ASSIGN_OR_RETURN(bool folded, TryFoldScale(graph, readers, n, logger));
    if (!folded) keep.push_back(n);
  }
  if (static_cast<int>(keep.size()) == graph.num_nodes()) return false;
  graph.Reorder(keep);
  return true;
}

}  // namespace kiln
