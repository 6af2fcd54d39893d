#ifndef KILN_OPTIMIZER_PASSES_PATTERN_H_
#define KILN_OPTIMIZER_PASSES_PATTERN_H_

// What the passes that recognise a decomposed op (fuse-layer-norm, fuse-gelu)
// share: reading constants, telling an op's kind with its attributes checked,
// and walking from a tensor to the one layer that reads it.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/tactic.h"
#include "graph/graph.h"
#include "ops/element_wise.h"
#include "ops/unary.h"
#include "optimizer/passes/pass.h"

namespace kiln {

// The value of `t` when it is a one-element fp32 or fp16 constant (any rank).
std::optional<float> ScalarConstant(const Graph& graph, TensorId t);

// The values of `t` when it is an fp32 or fp16 constant.
std::optional<std::vector<float>> FloatConstant(const Graph& graph, TensorId t);

// Whether a constant stored as `dtype` holds `want`: within 1e-6 relative, or
// (fp16) the fp16 value nearest to `want`, which is what an fp16 exporter
// writes for 1/sqrt(2) and cannot come within 1e-6 of it.
bool HoldsValue(float value, float want, DataType dtype);

// The op of `node` when it is an ElementWise layer of two inputs and one
// output; nullopt for any other layer. A bad attribute is a broken invariant
// (validation admitted the layer): an error that names `pass` and the layer.
absl::StatusOr<std::optional<ElementWiseOp>> ElementWiseOpOf(absl::string_view pass,
                                                             const Node& node);
// The same for Unary layers of one input and one output.
absl::StatusOr<std::optional<UnaryOp>> UnaryOpOf(absl::string_view pass, const Node& node);

// The operand of two-input `node` that is not `t`; -1 when `t` is not one of
// its inputs or is both.
TensorId OtherOperand(const Node& node, TensorId t);

// The one layer that reads `t`, when `t` is an intermediate (not a network
// output) read by one layer that no earlier rewrite has `taken`; kNoNode and
// why not otherwise.
NodeId SoleReader(const Graph& graph, const Readers& readers, const std::vector<bool>& taken,
                  TensorId t, std::string* why);

// "'mul1' (ElementWise)", for messages about layers.
std::string DescribeLayer(const Node& node);

// "'b' (fp32 2x3, not a constant)", for messages about operands.
std::string DescribeOperand(const Graph& graph, TensorId t);

// A new tensor named `name` (or `name`_2, ... when taken by a tensor or a
// layer). Invalidates references into the graph's tensors.
TensorId AddNamedTensor(Graph& graph, const std::string& name, Tensor tensor);

// Whether one of `backends` (any backend when empty) has a tactic for `op`:
// a pass that makes a layer of `op` runs only then, so that a build never
// makes a layer none of its backends runs. When none has, logs (verbose)
// "<pass>: no <op> tactic is linked for backends [...]; leaving <unfused>
// unfused".
bool BackendsRun(const std::vector<std::string>& backends, absl::string_view op,
                 absl::string_view pass, absl::string_view unfused, Logger* logger);

// Whether a tactic of one of `backends` (any backend when empty) takes
// `node` as it is (layouts, then Supports): a pass that makes a layer some
// tactics of its op cannot run (a new optional input) fuses only then. When
// none does, logs (verbose) "<pass>: no tactic on backends [...] runs <what>;
// leaving <unfused> unfused".
bool SomeTacticRuns(const std::vector<std::string>& backends, const NodeContext& node,
                    absl::string_view pass, absl::string_view what, absl::string_view unfused,
                    Logger* logger);
// Keeps the layers not `removed`, in their order; whether any was removed.
bool DropRemoved(Graph& graph, const std::vector<bool>& removed);

// What a matching pass's helpers read: the graph, each tensor's readers, and
// the layers earlier matches took.
struct MatchContext {
  const Graph& graph;
  const Readers& readers;
  const std::vector<bool>& taken;
};

// The loop of a pass that rewrites groups of layers. Visits the layers in
// order, skipping those an earlier match took; `find(context, n)` looks for a
// match at layer n (a StatusOr of an optional match), and `fuse(match, taken,
// removed)` rewrites one, marking the layers it used and those to drop. Then
// drops them; whether any was.
template <typename Find, typename Fuse>
absl::StatusOr<bool> RewriteMatches(Graph& graph, Find find, Fuse fuse) {
  const Readers readers = ReadersOf(graph);
  std::vector<bool> taken(graph.num_nodes(), false);
  std::vector<bool> removed(graph.num_nodes(), false);
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (taken[n]) continue;
    auto match = find(MatchContext{graph, readers, taken}, n);
    if (!match.ok()) return match.status();
    if (!match->has_value()) continue;
    fuse(**match, taken, removed);
  }
  return DropRemoved(graph, removed);
}

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PASSES_PATTERN_H_
