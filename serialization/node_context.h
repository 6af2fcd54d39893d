#ifndef KILN_SERIALIZATION_NODE_CONTEXT_H_
#define KILN_SERIALIZATION_NODE_CONTEXT_H_

// What a tactic sees of a layer (NodeContext), made in one place from either
// side of a plan: from the builder's graph, and from a plan being loaded. A
// tactic must see the same at build and at load (it answers Supports and
// WorkspaceSize again when the plan is loaded), so both come from here.

#include "backends/tactic.h"
#include "graph/graph.h"
#include "graph/target_options.h"
#include "serialization/plan.h"

namespace kiln {

// `node` of `graph` (tensor descs at `max_batch`, constants borrowed from the
// graph) for a build with `target`; with shape profiles, `shapes` (per graph
// tensor) gives the node's shape ranges.
NodeContext NodeContextFromGraph(const Graph& graph, const Node& node, int max_batch,
                                 const TargetOptions& target,
                                 const ProfileShapes* shapes = nullptr);

// `node` of `plan` (constants borrowed from the plan's weights), with the
// plan's max batch and target options.
NodeContext NodeContextFromPlan(const Plan& plan, const PlanNode& node);

}  // namespace kiln

#endif  // KILN_SERIALIZATION_NODE_CONTEXT_H_
