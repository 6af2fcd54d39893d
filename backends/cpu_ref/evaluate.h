#ifndef KILN_BACKENDS_CPU_REF_EVALUATE_H_
#define KILN_BACKENDS_CPU_REF_EVALUATE_H_

// Runs one op on host data, outside any plan: shape inference, then a cpu_ref
// tactic (the op's reference tactic unless told otherwise). Importers use it
// to constant-fold subgraphs whose inputs are all known at import time
// (ONNX's Shape -> Gather -> Concat -> Reshape chains); tests use it to run a
// single op. Nothing here is on the runtime's hot path.

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "backends/tactic.h"
#include "graph/attributes.h"
#include "graph/types.h"

namespace kiln {

// Runs `tactic` bound to `node` on host pointers `inputs` (one per node
// input, nullptr for an omitted one; laid out as node.inputs describe).
// Outputs are allocated per node.outputs and poisoned before the run (NaN for
// floats, 0xAB bytes otherwise) so an unwritten element shows.
absl::StatusOr<std::vector<Weights>> RunTacticOnHost(const Tactic& tactic,
                                                     const NodeContext& node,
                                                     absl::Span<const void* const> inputs);

// Infers the outputs of `op` on `inputs` (nullptr marks an omitted optional
// input; every other input is treated as a constant) and computes them with
// the op's reference tactic. Errors name the op and say what failed.
absl::StatusOr<std::vector<Weights>> EvaluateOp(absl::string_view op, const AttrMap& attrs,
                                                const std::vector<const Weights*>& inputs);

}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_EVALUATE_H_
