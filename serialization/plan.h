#ifndef KILN_SERIALIZATION_PLAN_H_
#define KILN_SERIALIZATION_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "graph/attributes.h"
#include "graph/shape_profile.h"
#include "graph/target_options.h"
#include "graph/types.h"

namespace kiln {

// Bumped whenever a reader of the previous version would misread a new plan
// without noticing (2: FullyConnected/MatMul "activation" attribute, Reformat
// layers, NHWC/fp16 tensors; 3: shape profiles, per-tensor shape ranges and
// capacities).
inline constexpr uint32_t kPlanFormatVersion = 3;
inline constexpr char kKilnVersion[] = "0.1.0";
// The largest max batch of a plan (BuildConfig.max_batch, or a profile's
// largest batched dim 0): tactics built per batch size keep a table per
// batch, and the plan reader refuses more as corruption.
inline constexpr int32_t kMaxBatchLimit = 4096;

enum class PlanTensorKind : uint8_t {
  kActivation = 0,  // lives in the execution context's arena
  kInput = 1,       // user memory, bound at Execute
  kOutput = 2,      // user memory, bound at Execute
  kConstant = 3,    // a weight blob of the plan
};

struct PlanTensor {
  TensorDesc desc;                  // at max batch (with profiles: the first one's max)
  PlanTensorKind kind = PlanTensorKind::kActivation;
  bool batched = false;             // kInput: dim 0 is the batch
  uint64_t arena_offset = 0;        // kActivation: byte offset in the arena
  int32_t weight = -1;              // kConstant: index into Plan::weights
  // With profiles (ProfileShapes): the dims over every profile, elementwise
  // min and max, the first profile's opt, and the most bytes the tensor
  // takes (its memory). Empty and 0 in a plan without profiles.
  Dims min_dims, opt_dims, max_dims;
  uint64_t capacity = 0;

  // Bytes the tensor may take at run time: what its memory was planned for.
  uint64_t planned_bytes() const { return capacity > 0 ? capacity : desc.bytes(); }
};

struct PlanNode {
  std::string name;
  std::string op;
  AttrMap attrs;
  std::vector<int32_t> inputs;      // tensor indices; -1 = omitted
  std::vector<int32_t> outputs;
  std::string backend;
  std::string tactic;               // registered tactic name
  std::vector<uint8_t> state;       // the tactic's PrepareState bytes
  uint64_t workspace_size = 0;
};

// What the builder decides and the runtime runs. PlanWriter turns it into
// bytes, PlanReader back; nodes are in execution order.
struct Plan {
  uint32_t format_version = kPlanFormatVersion;
  std::string kiln_version = kKilnVersion;
  std::string backend;              // target backend of the build
  std::string device;               // Backend::DeviceSignature() at build
  int32_t max_batch = 1;
  // Optimization profiles, complete (every input named; CompleteProfiles).
  // Empty: the plan runs batched inputs at any batch up to max_batch and
  // every other dim as built.
  std::vector<ShapeProfile> profiles;
  std::string build_options;        // human-readable summary of BuildConfig
  std::vector<PlanTensor> tensors;
  std::vector<PlanNode> nodes;
  std::vector<Weights> weights;
  std::vector<int32_t> inputs;      // tensor indices of bindings, in binding order:
  std::vector<int32_t> outputs;     // inputs first, then outputs
  uint64_t arena_size = 0;
  uint64_t workspace_size = 0;      // max over nodes
  // What the build allowed every tactic (BuildConfig's flags and workspace
  // budget): the runtime gives it to tactics in their NodeContext as the
  // builder did.
  TargetOptions target;
};

// Whether `node` is a view: its output shares its input's memory (two
// activations at one arena offset), which the builder arranges for layers
// whose tactic runs as a view (Tactic::RunsAsView); such a layer copies
// nothing at run time.
inline bool IsViewLayer(const Plan& plan, const PlanNode& node) {
  if (node.inputs.empty() || node.inputs[0] < 0 || node.outputs.size() != 1) return false;
  const auto valid = [&](int32_t t) { return t >= 0 && static_cast<size_t>(t) < plan.tensors.size(); };
  if (!valid(node.inputs[0]) || !valid(node.outputs[0])) return false;
  const PlanTensor& in = plan.tensors[node.inputs[0]];
  const PlanTensor& out = plan.tensors[node.outputs[0]];
  return in.kind == PlanTensorKind::kActivation && out.kind == PlanTensorKind::kActivation &&
         in.arena_offset == out.arena_offset;
}

}  // namespace kiln

#endif  // KILN_SERIALIZATION_PLAN_H_
