#ifndef KILN_BACKENDS_TACTIC_H_
#define KILN_BACKENDS_TACTIC_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "graph/target_options.h"
#include "graph/attributes.h"
#include "graph/types.h"

namespace kiln {

// Everything a tactic may look at about one node. The builder makes it from
// the graph; the runtime makes the same from the plan, so a tactic sees
// identical information at build and at load.
struct NodeContext {
  std::string name;                        // layer name
  std::string op;
  AttrMap attrs;
  std::vector<TensorDesc> inputs;          // at max batch; omitted input: empty name
  std::vector<TensorDesc> outputs;         // at max batch
  // With shape profiles (dynamic shapes), the dims each tensor takes at the
  // profiles' min and max inputs, per input and per output; `inputs` and
  // `outputs` are then at the first profile's max. Empty for a plan without
  // profiles or a node whose tensors vary only with the batch, as before
  // profiles existed (VariesBeyondBatch).
  // `*_opt` (the first profile's opt) is what the builder times tactics at.
  std::vector<Dims> input_min, input_opt, input_max, output_min, output_opt, output_max;
  std::vector<const Weights*> constants;   // per input: constant data or nullptr
  int max_batch = 1;
  TargetOptions target;

  const Weights* constant(size_t i) const { return i < constants.size() ? constants[i] : nullptr; }
  // The descs tactics are timed at: `inputs` and `outputs` with the opt dims
  // where profiles give them.
  std::vector<TensorDesc> timing_inputs() const { return WithDims(inputs, input_opt); }
  std::vector<TensorDesc> timing_outputs() const { return WithDims(outputs, output_opt); }
  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].name.empty(); }

  // "layer 'conv2' (Convolution): <message>" as InvalidArgument.
  template <typename... Args>
  absl::Status Error(const Args&... args) const {
    return absl::InvalidArgumentError(absl::StrCat("layer '", name, "' (", op, "): ", args...));
  }

 private:
  static std::vector<TensorDesc> WithDims(std::vector<TensorDesc> descs,
                                          const std::vector<Dims>& dims) {
    for (size_t i = 0; i < descs.size() && i < dims.size(); ++i) {
      if (!dims[i].empty()) descs[i].dims = dims[i];
    }
    return descs;
  }
};

// Per-execution-context resources a backend hands to its kernels (a CUDA
// stream and library handles for cuda; nothing for cpu_ref).
class ExecutionResources {
 public:
  virtual ~ExecutionResources() = default;
};

// One call of a kernel. Descs are for the batch being run.
struct KernelArgs {
  absl::Span<const TensorDesc> input_descs;
  absl::Span<const TensorDesc> output_descs;
  absl::Span<const void* const> inputs;    // nullptr for an omitted input
  absl::Span<void* const> outputs;
  void* workspace = nullptr;
  size_t workspace_size = 0;
  ExecutionResources* resources = nullptr;
};

// A tactic bound to one node, made once when an engine loads and shared by
// every execution context: Run is const and keeps no state between calls.
// Run allocates nothing and validates nothing; that was done at build.
class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual absl::Status Run(const KernelArgs& args) const = 0;
};

struct TacticInfo {
  std::string name;     // stable, goes into plans: "cpu_ref.convolution.im2col"
  std::string op;       // registered op name
  std::string backend;  // "cpu_ref", "cuda", or a plugin's backend
  // The oracle implementation of `op` (exactly one per op, on cpu_ref).
  bool is_reference = false;
  // Reads and writes rank-4 tensors in the NHWC layout where Supports says
  // so. Tactics without it are only offered nodes whose tensors are all
  // linear, so a tactic written before layouts existed never sees NHWC.
  bool accepts_nhwc = false;
  // Works at any shape within the node's profile ranges (NodeContext's
  // input_min/input_max): Run reads every dim from KernelArgs, nothing made
  // by PrepareState or CreateKernel depends on a dim that varies, and the
  // largest WorkspaceSize over the profiles' corners (the builder asks at
  // each min, opt and max) covers every shape in between. Tactics
  // without it are offered only nodes whose tensors vary with the batch
  // alone (as every tactic was before profiles), never a varying sequence
  // length or image size.
  bool dynamic_shapes = false;
};

// One way to run one op on one backend (DESIGN.md, "The tactic contract").
class Tactic {
 public:
  explicit Tactic(TacticInfo info) : info_(std::move(info)) {}
  virtual ~Tactic() = default;

  const TacticInfo& info() const { return info_; }
  const std::string& name() const { return info_.name; }
  const std::string& op() const { return info_.op; }
  const std::string& backend() const { return info_.backend; }
  bool is_reference() const { return info_.is_reference; }
  bool accepts_nhwc() const { return info_.accepts_nhwc; }
  bool dynamic_shapes() const { return info_.dynamic_shapes; }

  // OK if this tactic can run `node` with its dtypes, formats and attributes;
  // otherwise a status saying why not (shown when no tactic fits a node).
  virtual absl::Status Supports(const NodeContext& node) const = 0;

  // Scratch bytes needed by one Run at max batch.
  virtual size_t WorkspaceSize(const NodeContext& node) const { return 0; }

  // True when, for `node`, Run only copies input 0's bytes unchanged to
  // output 0 and does nothing when the two are at one address (a reshape,
  // an Identity). The builder then places the output in the input's memory
  // where both are activations, and the layer costs nothing (a view).
  virtual bool RunsAsView(const NodeContext& node) const { return false; }

  // Build-time work kept in the plan: pre-formatted weights and anything
  // else CreateKernel needs. Empty by default.
  virtual absl::StatusOr<std::vector<uint8_t>> PrepareState(const NodeContext& node) const {
    return std::vector<uint8_t>{};
  }

  // Binds the tactic to a node. `state` is what PrepareState returned (from
  // the plan at load time); it outlives the kernel. `node` does not: copy
  // what the kernel needs.
  virtual absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state) const = 0;

 private:
  TacticInfo info_;
};

// OK when `tactic` may be offered `node` at all: a node with an NHWC tensor
// goes only to tactics that accept NHWC (TacticInfo::accepts_nhwc). The
// builder and the conformance harness check this before Supports.
inline absl::Status CheckLayouts(const Tactic& tactic, const NodeContext& node) {
  if (tactic.accepts_nhwc()) return absl::OkStatus();
  auto nhwc = [](const TensorDesc& d) { return d.format == TensorFormat::kNHWC; };
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && nhwc(node.inputs[i])) {
      return absl::UnimplementedError(absl::StrCat("input ", i,
                                                   " is NHWC; this tactic reads linear layouts"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (nhwc(node.outputs[i])) {
      return absl::UnimplementedError(absl::StrCat("output ", i,
                                                   " is NHWC; this tactic writes linear layouts"));
    }
  }
  return absl::OkStatus();
}

// True when, over its profile ranges, some tensor of `node` varies in a dim
// other than dim 0 (a sequence length, an image size): only tactics with
// TacticInfo::dynamic_shapes may run it.
inline bool VariesBeyondBatch(const NodeContext& node) {
  auto differs = [](const std::vector<Dims>& min, const std::vector<Dims>& max) {
    for (size_t i = 0; i < min.size() && i < max.size(); ++i) {
      if (min[i].size() != max[i].size()) return true;
      for (size_t d = 1; d < min[i].size(); ++d) {
        if (min[i][d] != max[i][d]) return true;
      }
    }
    return false;
  };
  return differs(node.input_min, node.input_max) || differs(node.output_min, node.output_max);
}

// OK when `tactic` may be offered `node` given the shapes it takes: a node
// that varies beyond the batch goes only to dynamic-shape tactics. The
// builder and the conformance harness check this before Supports.
inline absl::Status CheckShapeRanges(const Tactic& tactic, const NodeContext& node) {
  if (tactic.dynamic_shapes() || !VariesBeyondBatch(node)) return absl::OkStatus();
  return absl::UnimplementedError(
      "the layer's shapes vary beyond the batch over the shape profiles; this tactic is built "
      "for one shape per batch size (TacticInfo::dynamic_shapes is off)");
}

}  // namespace kiln

#endif  // KILN_BACKENDS_TACTIC_H_
