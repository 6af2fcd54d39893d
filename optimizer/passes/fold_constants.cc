#include "optimizer/passes/fold_constants.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/cpu_ref/evaluate.h"

namespace kiln {
namespace {

// Logs why `node` stays a layer; returns false (nothing folded).
bool NotFolding(Logger* logger, const Node& node, absl::string_view why) {
  LogVerbose(logger, "fold-constants: not folding '", node.name, "' (", node.op, "): ", why);
  return false;
}

std::string Size(uint64_t bytes) {
  if (bytes < (1u << 20)) return absl::StrCat(bytes, " bytes");
  return absl::StrFormat("%.1f MiB", bytes / 1048576.0);
}

// The values of `node`'s inputs (nullptr for an omitted one) when every
// present input is a constant and one at least is present; empty otherwise.
std::vector<const Weights*> ConstantInputs(const Graph& graph, const Node& node) {
  std::vector<const Weights*> values;
  bool any_present = false;
  for (TensorId t : node.inputs) {
    if (t >= 0 && !graph.tensor(t).is_constant()) return {};
    any_present |= t >= 0;
    values.push_back(t < 0 ? nullptr : graph.tensor(t).constant.get());
  }
  if (!any_present) return {};
  return values;
}

// Evaluates layer `n` when all its inputs are constants and turns its
// outputs into constants; the layer is left for the caller to drop.
bool TryFold(Graph& graph, NodeId n, uint64_t max_bytes, Logger* logger) {
  const Node& node = graph.node(n);
  const std::vector<const Weights*> values = ConstantInputs(graph, node);
  if (values.empty()) return false;
  uint64_t bytes = 0;
  for (TensorId t : node.outputs) {
    const Tensor& out = graph.tensor(t);
    if (out.is_output) {
      return NotFolding(logger, node,
                        absl::StrCat("its output '", out.desc.name,
                                     "' is a network output, which a layer writes"));
    }
    bytes += out.desc.bytes();
  }
  if (bytes > max_bytes) {
    return NotFolding(logger, node,
                      absl::StrCat("its outputs would take ", Size(bytes),
                                   " of constants, over the cap of ", Size(max_bytes)));
  }
  absl::StatusOr<std::vector<Weights>> folded = EvaluateOp(node.op, node.attrs, values);
  if (!folded.ok()) {
    return NotFolding(logger, node,
                      absl::StrCat("evaluating it failed: ", folded.status().message()));
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const TensorDesc& want = graph.tensor(node.outputs[i]).desc;
    if (i >= folded->size() || (*folded)[i].dtype() != want.dtype ||
        (*folded)[i].dims() != want.dims) {
      return NotFolding(logger, node,
                        absl::StrCat("evaluating it did not give output '", want.name,
                                     "' as declared (", want.ToString(), ")"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    Tensor& out = graph.tensor(node.outputs[i]);
    out.constant = std::make_shared<const Weights>(std::move((*folded)[i]));
    out.producer = kNoNode;
  }
  return true;
}

}  // namespace

absl::StatusOr<bool> FoldConstants::Run(Graph& graph, Logger* logger) {
  std::vector<NodeId> keep;
  for (NodeId n = 0; n < graph.num_nodes(); ++n) {
    if (!TryFold(graph, n, max_bytes_, logger)) keep.push_back(n);
  }
  if (static_cast<int>(keep.size()) == graph.num_nodes()) return false;
  graph.Reorder(keep);
  return true;
}

}  // namespace kiln
