#include "serialization/node_context.h"

namespace kiln {

NodeContext NodeContextFromGraph(const Graph& graph, const Node& node, int max_batch,
                                 const TargetOptions& target, const ProfileShapes* shapes) {
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
  if (shapes != nullptr) {
    // A tensor added after `shapes` were inferred has none: its own dims.
    auto range = [&](TensorId t, const std::vector<Dims>& dims) {
      if (t < 0) return Dims{};
      return static_cast<size_t>(t) < dims.size() ? dims[t] : graph.tensor(t).desc.dims;
    };
    for (TensorId t : node.inputs) {
      ctx.input_min.push_back(range(t, shapes->min));
      ctx.input_opt.push_back(range(t, shapes->opt));
      ctx.input_max.push_back(range(t, shapes->max));
    }
    for (TensorId t : node.outputs) {
      ctx.output_min.push_back(range(t, shapes->min));
      ctx.output_opt.push_back(range(t, shapes->opt));
      ctx.output_max.push_back(range(t, shapes->max));
    }
  }
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
  if (!plan.profiles.empty()) {
    for (int32_t t : node.inputs) {
      const PlanTensor* pt = t < 0 ? nullptr : &plan.tensors[t];
      ctx.input_min.push_back(pt ? pt->min_dims : Dims{});
      ctx.input_opt.push_back(pt ? pt->opt_dims : Dims{});
      ctx.input_max.push_back(pt ? pt->max_dims : Dims{});
    }
    for (int32_t t : node.outputs) {
      ctx.output_min.push_back(plan.tensors[t].min_dims);
      ctx.output_opt.push_back(plan.tensors[t].opt_dims);
      ctx.output_max.push_back(plan.tensors[t].max_dims);
    }
  }
  return ctx;
}

}  // namespace kiln
