#ifndef KILN_OPTIMIZER_SAMPLE_RUN_H_
#define KILN_OPTIMIZER_SAMPLE_RUN_H_

// Runs a graph on sample inputs with each op's reference tactic in fp32,
// layer by layer, keeping every tensor: what the build's analyses of real
// data read (the fp16 range check, fp16_range.h; INT8 calibration,
// calibration.h).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/types.h"

namespace kiln {

// The tensors' values by TensorId: inputs and constants at the start, each
// layer's outputs once it ran; a tensor is dropped (nullopt) once the last
// layer that reads it has run, so a callback sees its layer's inputs and
// outputs, not necessarily older tensors.
using SampleValues = std::vector<std::optional<Weights>>;

// Runs `graph` (topologically sorted) on `samples` (input name -> data, of
// the input's type and dims apart from dim 0, the batch) and calls
// `after_layer(node, values)` after each layer; an error it returns stops the
// run and is returned. `what` names the caller in errors ("the fp16 range
// check"): a missing or mismatched sample, a layer the reference cannot run
// (named).
absl::Status RunOnSamples(
    const Graph& graph, const std::map<std::string, Weights>& samples, absl::string_view what,
    const std::function<absl::Status(const Node& node, const SampleValues& values)>& after_layer);

}  // namespace kiln

#endif  // KILN_OPTIMIZER_SAMPLE_RUN_H_
