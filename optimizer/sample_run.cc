#include "optimizer/sample_run.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/cpu_ref/evaluate.h"

namespace kiln {

absl::Status RunOnSamples(
    const Graph& graph, const std::map<std::string, Weights>& samples, absl::string_view what,
    const std::function<absl::Status(const Node& node, const SampleValues& values)>& after_layer) {
  SampleValues values(graph.num_tensors());
  for (TensorId t : graph.inputs()) {
    const TensorDesc& desc = graph.tensor(t).desc;
    auto it = samples.find(desc.name);
    if (it == samples.end()) {
      std::vector<std::string> names;
      for (TensorId i : graph.inputs()) names.push_back(graph.tensor(i).desc.name);
      return absl::InvalidArgumentError(absl::StrCat(what, " has no sample for input '", desc.name,
                                                     "'; give one for every input (",
                                                     absl::StrJoin(names, ", "), ")"));
    }
    const Weights& w = it->second;
    Dims want = desc.dims, got = w.dims();
    if (!want.empty() && !got.empty() && want.size() == got.size()) want[0] = got[0];
    if (w.dtype() != desc.dtype || got != want) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "'s sample for input '", desc.name, "' is ", DataTypeName(w.dtype()),
                       " ", DimsString(got), "; the input is ", DataTypeName(desc.dtype), " ",
                       DimsString(desc.dims), " (dim 0, the batch, may differ)"));
    }
    values[t] = w;
  }
  for (TensorId t = 0; t < graph.num_tensors(); ++t) {
    if (graph.tensor(t).is_constant()) values[t] = *graph.tensor(t).constant;
  }
  // Each tensor is dropped after the last layer that reads it (after the
  // callback of the layer that makes it when none does), so a run holds
  // about a layer's worth of activations, not the whole network's.
  std::vector<int> last_use(graph.num_tensors(), -1);
  for (int k = 0; k < static_cast<int>(graph.nodes().size()); ++k) {
    for (TensorId t : graph.nodes()[k].inputs) {
      if (t >= 0) last_use[t] = k;
    }
  }
  int k = 0;
  for (const Node& node : graph.nodes()) {
    std::vector<const Weights*> inputs;
    for (TensorId t : node.inputs) {
      if (t < 0) {
        inputs.push_back(nullptr);
        continue;
      }
      if (!values[t].has_value()) {
        return absl::InternalError(absl::StrCat(what, ": layer '", node.name, "' reads '",
                                                graph.tensor(t).desc.name,
                                                "' before it is computed"));
      }
      inputs.push_back(&*values[t]);
    }
    absl::StatusOr<std::vector<Weights>> outputs = EvaluateOp(node.op, node.attrs, inputs);
    if (!outputs.ok()) {
      return absl::Status(outputs.status().code(),
                          absl::StrCat(what, ": layer '", node.name, "' (", node.op,
                                       ") on the samples: ", outputs.status().message()));
    }
    for (size_t i = 0; i < node.outputs.size() && i < outputs->size(); ++i) {
      values[node.outputs[i]] = std::move((*outputs)[i]);
    }
    if (absl::Status s = after_layer(node, values); !s.ok()) return s;
    for (const std::vector<TensorId>* tensors : {&node.inputs, &node.outputs}) {
      for (TensorId t : *tensors) {
        if (t >= 0 && last_use[t] <= k) values[t].reset();
      }
    }
    ++k;
  }
  return absl::OkStatus();
}

}  // namespace kiln
