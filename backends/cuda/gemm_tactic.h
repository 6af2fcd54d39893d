#ifndef KILN_BACKENDS_CUDA_GEMM_TACTIC_H_
#define KILN_BACKENDS_CUDA_GEMM_TACTIC_H_

// The tactic shape shared by FullyConnected and MatMul: tactic <index> runs
// the cuBLASLt heuristic's <index>-th algorithm for the node at max batch, in
// one dtype (every tensor of the node fp32, or every one fp16).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/cuda/common.h"
#include "backends/cuda/gemm.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {

// How many heuristic results become tactics, per op.
inline constexpr int kGemmTactics = 4;
// Workspace the heuristic may ask for when the plan does not record the
// build's budget (NodeContext.target.workspace_limit == 0: older plans).
inline constexpr uint64_t kGemmMaxWorkspace = 32ull << 20;

// The workspace cuBLASLt's heuristic may ask for: the build's budget.
inline uint64_t GemmWorkspaceLimit(const NodeContext& node) {
  return node.target.workspace_limit > 0 ? node.target.workspace_limit : kGemmMaxWorkspace;
}

// A GEMM for one run: its shape, which input is cuBLAS's A, B, bias, and the
// layer's fused activation (MakeCall sets it; TypedCall turns it into an
// epilogue or a pass after the GEMM).
struct GemmCall {
  GemmShape shape;
  int a_input = 0, b_input = 1, bias_input = -1;
  std::optional<ActivationType> activation;
  // Applied in place over the output after the GEMM (kernels::Activation,
  // the Activation op's formula) when no epilogue computes it exactly enough.
  std::optional<ActivationType> activation_after;
};

// "fp32" / "fp16": the end of a GEMM tactic's name.
inline const char* GemmDtypeSuffix(DataType dtype) {
  return dtype == DataType::kFloat16 ? "fp16" : "fp32";
}

class GemmTactic : public CudaTactic {
 public:
  // `dtype`: kFloat32 or kFloat16.
  // Dynamic shapes: Run rebuilds the GEMM from the run's descs, and the
  // algorithm kept is one cuBLASLt accepts at every corner of the node's
  // profile ranges (Algorithm), so the tactic takes layers whose rows (or
  // any dim) vary with a sequence length.
  GemmTactic(std::string name, std::string op, int index, DataType dtype)
      : CudaTactic(std::move(name), std::move(op), /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true),
        index_(index),
        dtype_(dtype) {}

  // The GEMM for `inputs`/`outputs` (at max batch or the run's batch), its
  // dtype aside.
  virtual absl::StatusOr<GemmCall> MakeCall(const NodeContext& node,
                                            absl::Span<const TensorDesc> inputs,
                                            absl::Span<const TensorDesc> outputs) const = 0;

  // MakeCall in this tactic's dtype, its fused activation placed: ReLU in
  // the epilogue (exact); GELU's tanh form in cuBLASLt's GELU epilogue, which
  // computes that form; the erf form in the same epilogue for fp16 (the tanh
  // form is within 4.8e-4 of it, under fp16's rounding of outputs above
  // 0.25), and for fp32 as kiln's exact erf-form kernel over the output after
  // the GEMM.
  absl::StatusOr<GemmCall> TypedCall(const NodeContext& node, absl::Span<const TensorDesc> inputs,
                                     absl::Span<const TensorDesc> outputs) const {
    KILN_ASSIGN_OR_RETURN(GemmCall call, MakeCall(node, inputs, outputs));
    call.shape.dtype = dtype_;
    if (call.activation.has_value()) {
      switch (*call.activation) {
        case ActivationType::kRelu: call.shape.relu = true; break;
        case ActivationType::kGeluTanh: call.shape.gelu = true; break;
        case ActivationType::kGelu:
          if (dtype_ == DataType::kFloat16) {
            call.shape.gelu = true;
          } else {
            call.activation_after = ActivationType::kGelu;
          }
          break;
        default:
          return absl::UnimplementedError(absl::StrCat("fused activation ",
                                                       ActivationTypeName(*call.activation),
                                                       " is not run by GEMM tactics"));
      }
    }
    return call;
  }

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireDtypeLinear(node));
    KILN_ASSIGN_OR_RETURN(GemmCall call, AlgorithmCall(node));
    if (call.shape.k == 0) return absl::UnimplementedError("inner dimension is 0");
    return Algorithm(node, call.shape).status();
  }
  size_t WorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<GemmCall> call = AlgorithmCall(node);
    if (!call.ok()) return 0;
    absl::StatusOr<cublasLtMatmulHeuristicResult_t> algo = Algorithm(node, call->shape);
    return algo.ok() ? algo->workspaceSize : 0;
  }
  absl::StatusOr<std::vector<uint8_t>> PrepareState(const NodeContext& node) const override {
    KILN_ASSIGN_OR_RETURN(GemmCall call, AlgorithmCall(node));
    KILN_ASSIGN_OR_RETURN(cublasLtMatmulHeuristicResult_t result, Algorithm(node, call.shape));
    GemmState state;
    state.algo = result.algo;
    state.workspace = result.workspaceSize;
    state.allow_tf32 = node.target.allow_tf32 ? 1 : 0;
    return PackState(state);
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state_bytes) const override;

 private:
  // OK when every present input and every output is in this tactic's dtype
  // and linear (row-major).
  absl::Status RequireDtypeLinear(const NodeContext& node) const {
    auto check = [&](const TensorDesc& t, absl::string_view which) -> absl::Status {
      if (t.dtype != dtype_) {
        return absl::UnimplementedError(absl::StrCat(which, " is ", DataTypeName(t.dtype),
                                                     "; this tactic is ", DataTypeName(dtype_),
                                                     " only"));
      }
      if (t.format != TensorFormat::kLinear) {
        return absl::UnimplementedError(absl::StrCat(which, " is ", TensorFormatName(t.format),
                                                     "; this tactic reads row-major tensors"));
      }
      return absl::OkStatus();
    };
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.has_input(i)) KILN_RETURN_IF_ERROR(check(node.inputs[i], absl::StrCat("input ", i)));
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      KILN_RETURN_IF_ERROR(check(node.outputs[i], absl::StrCat("output ", i)));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<cublasLtMatmulHeuristicResult_t> Algorithm(const NodeContext& node,
                                                            const GemmShape& shape) const {
    KILN_ASSIGN_OR_RETURN(
        std::vector<cublasLtMatmulHeuristicResult_t> candidates,
        GemmHeuristics(shape, node.target.allow_tf32, GemmWorkspaceLimit(node), 2 * kGemmTactics));
    // The heuristic answers for the max batch; the runtime also runs smaller
    // batches, where an algorithm may not apply (measured on an H200: FC
    // [4x5]·[16x5]ᵀ at batch 1 got CUBLAS_STATUS_NOT_SUPPORTED), and with
    // profiles every shape of their ranges. Keep the algorithms that also
    // run batch 1 and every profile corner (min, opt, max) and its batch 1.
    const std::vector<GemmShape> also = ShapesToCheck(node);
    std::vector<cublasLtMatmulHeuristicResult_t> results;
    for (const cublasLtMatmulHeuristicResult_t& r : candidates) {
      bool runs_all = true;
      for (const GemmShape& other : also) {
        runs_all =
            runs_all && GemmAlgoCheck(other, node.target.allow_tf32, r.algo, r.workspaceSize).ok();
      }
      if (runs_all) results.push_back(r);
    }
    if (static_cast<int>(results.size()) <= index_) {
      return absl::UnimplementedError(absl::StrCat("the cuBLASLt heuristic offers ",
                                                   results.size(), " algorithms for this GEMM (",
                                                   shape.m, "x", shape.n, "x", shape.k,
                                                   "), this tactic runs number ", index_));
    }
    return results[index_];
  }

  // The GEMM the algorithm is chosen for: the node's, or with profiles the
  // one at their max corner, whatever corner `node` is at now (the builder
  // asks Supports and WorkspaceSize at each corner): so every corner agrees
  // on one algorithm and its workspace.
  absl::StatusOr<GemmCall> AlgorithmCall(const NodeContext& node) const {
    if (node.input_max.empty()) return TypedCall(node, node.inputs, node.outputs);
    return TypedCall(node, WithCorner(node.inputs, node.input_max),
                     WithCorner(node.outputs, node.output_max));
  }

  // The GEMMs besides the node's own (at max) that an algorithm must run:
  // batch 1, and with profiles each corner and its batch 1.
  std::vector<GemmShape> ShapesToCheck(const NodeContext& node) const {
    std::vector<GemmShape> shapes;
    auto add = [&](const std::vector<TensorDesc>& inputs, const std::vector<TensorDesc>& outputs,
                   bool batch_one) {
      if (batch_one && node.max_batch <= 1 && node.input_min.empty()) return;
      absl::StatusOr<GemmShape> shape =
          batch_one ? BatchOneShape(node, inputs, outputs) : TypedShape(node, inputs, outputs);
      if (shape.ok() && shape->m > 0 && shape->n > 0 && shape->k > 0) shapes.push_back(*shape);
    };
    add(node.inputs, node.outputs, true);
    const std::vector<Dims>* corners[][2] = {{&node.input_min, &node.output_min},
                                             {&node.input_opt, &node.output_opt},
                                             {&node.input_max, &node.output_max}};
    for (const auto& corner : corners) {
      if (corner[0]->empty()) continue;
      const std::vector<TensorDesc> inputs = WithCorner(node.inputs, *corner[0]);
      const std::vector<TensorDesc> outputs = WithCorner(node.outputs, *corner[1]);
      add(inputs, outputs, false);
      add(inputs, outputs, true);
    }
    return shapes;
  }

  static std::vector<TensorDesc> WithCorner(std::vector<TensorDesc> descs,
                                            const std::vector<Dims>& dims) {
    for (size_t i = 0; i < descs.size() && i < dims.size(); ++i) {
      if (!dims[i].empty()) descs[i].dims = dims[i];
    }
    return descs;
  }

  absl::StatusOr<GemmShape> TypedShape(const NodeContext& node,
                                       const std::vector<TensorDesc>& inputs,
                                       const std::vector<TensorDesc>& outputs) const {
    KILN_ASSIGN_OR_RETURN(GemmCall call, TypedCall(node, inputs, outputs));
    return call.shape;
  }

  // The GEMM at batch 1: dim 0 of every non-constant input and of the
  // outputs set to 1 (these ops keep the batch in dim 0).
  absl::StatusOr<GemmShape> BatchOneShape(const NodeContext& node, std::vector<TensorDesc> inputs,
                                          std::vector<TensorDesc> outputs) const {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (node.has_input(i) && node.constant(i) == nullptr && !inputs[i].dims.empty()) {
        inputs[i].dims[0] = 1;
      }
    }
    for (TensorDesc& o : outputs) {
      if (!o.dims.empty()) o.dims[0] = 1;
    }
    KILN_ASSIGN_OR_RETURN(GemmCall call, TypedCall(node, inputs, outputs));
    return call.shape;
  }

  int index_;
  DataType dtype_;
};

class GemmKernel : public Kernel {
 public:
  GemmKernel(const GemmTactic* tactic, NodeContext node, GemmState state)
      : tactic_(tactic), node_(std::move(node)), state_(state) {}

  absl::Status Run(const KernelArgs& args) const override {
    KILN_ASSIGN_OR_RETURN(GemmCall call,
                          tactic_->TypedCall(node_, args.input_descs, args.output_descs));
    if (call.shape.m == 0 || call.shape.n == 0 || call.shape.batch == 0) return absl::OkStatus();
    const void* bias =
        call.bias_input >= 0 && call.bias_input < static_cast<int>(args.inputs.size())
            ? args.inputs[call.bias_input]
            : nullptr;
    call.shape.bias = bias != nullptr;
    CudaResources& r = ResourcesOf(args);
    KILN_RETURN_IF_ERROR(RunGemm(r.cublas_lt(), r.stream(), call.shape, state_,
                                 args.inputs[call.a_input], args.inputs[call.b_input],
                                 args.outputs[0], bias, args.workspace, args.workspace_size));
    if (!call.activation_after.has_value()) return absl::OkStatus();
    const int type = static_cast<int>(*call.activation_after);
    const int64_t n = args.output_descs[0].volume();
    if (call.shape.dtype == DataType::kFloat16) {
      __half* y = static_cast<__half*>(args.outputs[0]);
      KILN_CUDA_RETURN_IF_ERROR(kernels::Activation<__half>(type, 0.0f, 0.0f, n, y, y, r.stream()));
    } else {
      float* y = static_cast<float*>(args.outputs[0]);
      KILN_CUDA_RETURN_IF_ERROR(kernels::Activation<float>(type, 0.0f, 0.0f, n, y, y, r.stream()));
    }
    return absl::OkStatus();
  }

 private:
  const GemmTactic* tactic_;
  NodeContext node_;  // attributes only; constants are not used at run time
  GemmState state_;
};

inline absl::StatusOr<std::unique_ptr<Kernel>> GemmTactic::CreateKernel(
    const NodeContext& node, absl::Span<const uint8_t> state_bytes) const {
  KILN_ASSIGN_OR_RETURN(GemmState state, UnpackState<GemmState>(state_bytes, name()));
  NodeContext copy;
  copy.name = node.name;
  copy.op = node.op;
  copy.attrs = node.attrs;
  copy.max_batch = node.max_batch;
  return std::unique_ptr<Kernel>(std::make_unique<GemmKernel>(this, std::move(copy), state));
}

}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_GEMM_TACTIC_H_
