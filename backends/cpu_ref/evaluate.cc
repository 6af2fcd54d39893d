#include "backends/cpu_ref/evaluate.h"

#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "backends/backend.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {

absl::StatusOr<std::vector<Weights>> RunTacticOnHost(const Tactic& tactic,
                                                     const NodeContext& node,
                                                     absl::Span<const void* const> inputs) {
  KILN_RETURN_IF_ERROR(tactic.Supports(node));
  KILN_ASSIGN_OR_RETURN(std::vector<uint8_t> state, tactic.PrepareState(node));
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, tactic.CreateKernel(node, state));

  std::vector<Weights> outputs;
  for (const TensorDesc& d : node.outputs) {
    outputs.emplace_back(d.dtype, d.dims);
    if (d.dtype == DataType::kFloat32) {
      float* p = outputs.back().mutable_as<float>();
      for (int64_t i = 0; i < d.volume(); ++i) p[i] = std::numeric_limits<float>::quiet_NaN();
    } else if (d.dtype == DataType::kFloat16) {
      uint16_t* p = outputs.back().mutable_as<uint16_t>();
      for (int64_t i = 0; i < d.volume(); ++i) p[i] = 0x7e00;
    } else if (d.bytes() > 0) {
      std::memset(outputs.back().mutable_data(), 0xAB, d.bytes());
    }
  }
  HostBuffer workspace(tactic.WorkspaceSize(node));
  std::vector<void*> out_ptrs;
  for (Weights& w : outputs) out_ptrs.push_back(w.mutable_data());
  ExecutionResources resources;
  KernelArgs args;
  args.input_descs = node.inputs;
  args.output_descs = node.outputs;
  args.inputs = inputs;
  args.outputs = out_ptrs;
  args.workspace = workspace.data();
  args.workspace_size = workspace.size();
  args.resources = &resources;
  KILN_RETURN_IF_ERROR(kernel->Run(args));
  return outputs;
}

absl::StatusOr<std::vector<Weights>> EvaluateOp(absl::string_view op, const AttrMap& attrs,
                                                const std::vector<const Weights*>& inputs) {
  NodeContext node;
  node.name = absl::StrCat("evaluate_", op);
  node.op = std::string(op);
  node.attrs = attrs;
  std::vector<const void*> data;
  for (size_t i = 0; i < inputs.size(); ++i) {
    TensorDesc d;
    if (inputs[i] != nullptr) {
      d = TensorDesc{absl::StrCat("in", i), inputs[i]->dtype(), inputs[i]->dims(),
                     TensorFormat::kLinear};
    }
    node.inputs.push_back(d);
    node.constants.push_back(inputs[i]);
    data.push_back(inputs[i] == nullptr ? nullptr : inputs[i]->data());
  }
  InferenceContext ctx{node.name, node.op, node.attrs, node.inputs, node.constants};
  KILN_ASSIGN_OR_RETURN(node.outputs, OpRegistry::Global().Infer(ctx));
  for (size_t i = 0; i < node.outputs.size(); ++i) node.outputs[i].name = absl::StrCat("out", i);
  // Tactics size scratch by max_batch; here the whole tensor is one "batch".
  node.max_batch = node.inputs.empty() || node.inputs[0].dims.empty()
                       ? 1
                       : static_cast<int>(std::max<int64_t>(1, node.inputs[0].dims[0]));
  const Tactic* tactic = TacticRegistry::Global().Reference(op);
  if (tactic == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("op ", op, " has no reference tactic to evaluate it with"));
  }
  return RunTacticOnHost(*tactic, node, data);
}

}  // namespace kiln
