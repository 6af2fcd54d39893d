// cuda LSTM: kiln's own kernels (kernels/recurrent.cu) with cpu_ref's cell
// math: X*W^T of every step as one projection kernel per
// direction, then one kernel per time step for the gates (cpu_ref's order i,
// o, f, c; peepholes, input_forget, clip), the cell and the hidden state,
// kept in fp32 workspace buffers (double-buffered across steps).
// The same layer set-up is in rnn.cc, gru.cc and lstm.cc (one Bazel target
// per op file, so they cannot share a .cc); only the cell differs.
#include "ops/lstm.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/sequence.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/recurrent.h"

namespace kiln {
namespace cuda {
namespace {

constexpr RecurrentKind kKind = RecurrentKind::kLstm;
constexpr int kCell = kernels::kLstmCell;

class LstmKernel : public Kernel {
 public:
  LstmKernel(const RecurrentParams& params, bool fp16) {
    layer_.cell = kCell;
    layer_.fp16 = fp16;
    layer_.layout = params.layout;
    layer_.has_clip = params.has_clip;
    layer_.clip = params.clip;
    layer_.linear_before_reset = params.linear_before_reset;
    layer_.input_forget = params.input_forget;
    for (int64_t d = 0; d < params.num_directions(); ++d) {
      layer_.reversed[d] = params.reversed(d);
      for (int k = 0; k < RecurrentActivationCount(kKind); ++k) {
        const RecurrentActivation& f = params.function(d, k, kKind);
        layer_.functions[d][k] = {static_cast<int>(f.type), f.alpha, f.beta};
      }
    }
  }

  absl::Status Run(const KernelArgs& args) const override {
    kernels::RecurrentLayer l = layer_;
    const RecurrentShape s =
        RecurrentShapeOf(args.input_descs[0].dims, args.input_descs[2].dims, l.layout);
    l.seq = s.seq;
    l.batch = s.batch;
    l.input = s.input;
    l.hidden = s.hidden;
    l.num_directions = s.num_directions;
    auto input = [&](size_t i) { return i < args.inputs.size() ? args.inputs[i] : nullptr; };
    auto output = [&](size_t i) { return i < args.outputs.size() ? args.outputs[i] : nullptr; };
    l.x = input(0);
    l.w = input(1);
    l.r = input(2);
    l.bias = input(3);
    l.lens = input(4);
    l.lens_64 = l.lens != nullptr && args.input_descs[4].dtype == DataType::kInt64;
    l.initial_h = input(5);
    l.y = output(0);
    l.y_h = output(1);
    l.initial_c = input(6);
    l.peephole = input(7);
    l.y_c = output(2);
    KILN_CUDA_RETURN_IF_ERROR(kernels::RecurrentForward(
        l, static_cast<float*>(args.workspace), ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  kernels::RecurrentLayer layer_;  // attributes; Run adds the shapes and tensors
};

class LstmTactic : public CudaTactic {
 public:
  explicit LstmTactic(DataType dtype)
      : CudaTactic(dtype == DataType::kFloat16 ? "cuda.lstm.kernel.fp16" : "cuda.lstm.kernel.fp32",
                   kLstmOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}

  // Float tensors of this tactic's precision (sequence_lens is int32 or
  // int64), linear; at most two directions (what ONNX allows).
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (i == 4 || !node.has_input(i)) continue;
      if (node.inputs[i].dtype != dtype_) {
        return absl::UnimplementedError(absl::StrCat("input ", i, " is ",
                                                     DataTypeName(node.inputs[i].dtype),
                                                     "; this tactic is ", DataTypeName(dtype_),
                                                     " only"));
      }
    }
    KILN_ASSIGN_OR_RETURN(RecurrentParams params, RecurrentParams::FromAttrs(node.attrs, kKind));
    if (params.num_directions() > 2) {
      return absl::UnimplementedError("more than two directions");
    }
    return absl::OkStatus();
  }

  size_t WorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<RecurrentParams> params = RecurrentParams::FromAttrs(node.attrs, kKind);
    if (!params.ok()) return 0;
    const RecurrentShape s =
        RecurrentShapeOf(node.inputs[0].dims, node.inputs[2].dims, params->layout);
    return static_cast<size_t>(kernels::RecurrentWorkspaceFloats(kCell, s.seq, s.batch, s.hidden)) *
           sizeof(float);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(RecurrentParams params, RecurrentParams::FromAttrs(node.attrs, kKind));
    return std::unique_ptr<Kernel>(
        std::make_unique<LstmKernel>(params, dtype_ == DataType::kFloat16));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LstmTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<LstmTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
