#ifndef KILN_OPTIMIZER_PRECISION_ASSIGNMENT_H_
#define KILN_OPTIMIZER_PRECISION_ASSIGNMENT_H_

// Precision and layout assignment (DESIGN.md, "Build"): chooses for each
// layer the precision (fp32, or fp16 when BuildConfig.allow_fp16) and the
// memory layout of its rank-4 float tensors (BuildConfig.formats) by timing
// the layer's best tactic in each, plus the Reformat layers its inputs would
// need from their producers' choices. Greedy in topological order: a layer
// sees its producers' decisions, not its consumers' (those pay for a
// reformat when they decide). Network inputs and outputs keep the precision
// and layout the user declared; constants of a layer run in another
// precision or layout are converted at build time (rounded to fp16, filters
// permuted to KRSC for NHWC), so tactics read them as they read activations.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/tactic.h"
#include "graph/graph.h"
#include "optimizer/autotuner.h"
#include "optimizer/builder.h"

namespace kiln {

// `node` with every float input and output in `dtype`, rank-4 ones in
// `format` (others linear); constants converted, owned by `constants`.
struct FormattedNode {
  NodeContext ctx;
  std::vector<std::shared_ptr<const Weights>> constants;  // per input, null if unchanged
};
absl::StatusOr<FormattedNode> FormatNode(const NodeContext& node, DataType dtype,
                                         TensorFormat format);

// The cost a configuration is ranked by: its measured milliseconds (layer
// plus input reformats), with configurations that are not fp16 counted
// kFp16Preference slower when fp16 is allowed. Greedy assignment cannot see
// that fp32 here makes the next layers reformat or run in fp32 too (a
// transformer's residual stream stayed fp32 through every layer over
// timing noise of a few microseconds), so near ties go to fp16.
inline constexpr double kFp16Preference = 0.10;
double RankingCost(double ms, DataType dtype, bool allow_fp16);

// Ops whose float tensors may change precision: their meaning does not
// depend on exact fp32 values of a float input (unlike, say, Resize's scales
// or Range's limits). Exposed for tests.
bool PrecisionFlexibleOp(absl::string_view op);

// Rewrites `graph` (topologically sorted) with the chosen precisions and
// layouts, Reformat layers and converted constants, and leaves it sorted.
// `choices` receives the tactic chosen for each layer that was timed in
// more than one configuration, by layer name (the builder reuses them).
// `max_batch` is the plan's; with profiles, `shapes` gives the ranges of the
// graph's tensors as they are when it is called (null without profiles).
absl::Status AssignPrecisionAndLayout(Graph& graph, const BuildConfig& config, int max_batch,
                                      const ProfileShapes* shapes, Autotuner& tuner,
                                      std::map<std::string, TacticChoice>* choices);

}  // namespace kiln

#endif  // KILN_OPTIMIZER_PRECISION_ASSIGNMENT_H_
