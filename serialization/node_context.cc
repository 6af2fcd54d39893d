#include "serialization/node_context.h"

namespace kiln {

NodeContext NodeContextFromGraph(const Graph& graph, const Node& node, int max_batch,
                                 const TargetOptions& target) {
  NodeContext ctx;
  ctx.name = node.name;
  ctx.op = node.op;
  ctx.attrs = node.attrs;
  ctx.max_batch = max_batch;
  ctx.target = target;
  for (TensorId t : node.inputs) {
    ctx.inputs.push_back(t < 0 ? TensorDesc{} : graph.tensor(t).desc);
    ctx.constants.push_back(t < 0 ? nullptr : graph.tensor(t).constant.get());
  }
  for (TensorId t : node.outputs) ctx.outputs.push_back(graph.tensor(t).desc);
  return ctx;
}

NodeContext NodeContextFromPlan(const Plan& plan, const PlanNode& node) {
  NodeContext ctx;
  ctx.name = node.name;
  ctx.op = node.op;
  ctx.attrs = node.attrs;
  ctx.max_batch = plan.max_batch;
  ctx.target = plan.target;
  for (int32_t t : node.inputs) {
    if (t < 0) {
      ctx.inputs.emplace_back();
      ctx.constants.push_back(nullptr);
      continue;
    }
    const PlanTensor& pt = plan.tensors[t];
    ctx.inputs.push_back(pt.desc);
    ctx.constants.push_back(pt.kind == PlanTensorKind::kConstant ? &plan.weights[pt.weight]
                                                                 : nullptr);
  }
  for (int32_t t : node.outputs) ctx.outputs.push_back(plan.tensors[t].desc);
  return ctx;
}

}  // namespace kiln
