// cuda Convolution through cuDNN's graph API (the cuDNN frontend's C++
// headers, //third_party:cudnn_frontend): the convolution and its epilogue
// (bias, residual, activation; ops/convolution.h) as one operation graph,
// which cuDNN runs as one kernel where its engines can fuse it (the runtime
// fusion engines of sm_80 and later). cuDNN's heuristics rank the engine
// configurations that support the graph; tactic
// cuda.convolution.cudnn_graph.h<r>.<layout>.<fp16|fp32> runs the r-th of
// them, so the builder times the top kRanks and keeps the fastest. In fp32,
// configurations that convert the inputs down (to fp16 or bf16) are never
// used, and those on tensor cores (TF32) only when the build allows TF32. The tactic state
// names the configuration (cuDNN's plan name), so a loaded plan runs the one
// that was timed, or is refused if this cuDNN no longer offers it.
//
// Execution plans are built once per (layer signature, batch size) in a
// process and shared by every kernel that runs that layer; Run builds
// nothing and allocates nothing. A plan has fixed dims, so a kernel holds
// plans for the max batch and for batch 1 (the sizes engines mostly run at)
// and runs any other batch as batch-1 slices.
//
// Without the frontend headers (tools/setup.sh could not fetch them) this
// file registers nothing.
#if __has_include(<cudnn_frontend.h>)

#include <cudnn_frontend.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cuda/common.h"
#include "backends/cuda/cudnn_graph_common.h"
#include "backends/cuda/cudnn_conv_common.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/convolution.h"

namespace kiln {
namespace cuda {
namespace {

namespace fe = cudnn_frontend;

constexpr int kRanks = 3;  // heuristic ranks registered as tactics
// Tensor uids; execute takes the pointers of the present ones in this order.
constexpr int64_t kX = 1, kW = 2, kBias = 3, kResidual = 4, kY = 5;

std::vector<int64_t> Strides(TensorFormat format, int64_t c, int64_t h, int64_t w) {
  if (format == TensorFormat::kNHWC) return {h * w * c, 1, w * c, c};
  return {c * h * w, h * w, w, 1};
}

// The layer's activation as a cuDNN pointwise op; Unimplemented for types
// cuDNN's graph has no exact match for (the epilogue-kernel tactics run them).
absl::StatusOr<fe::graph::Pointwise_attributes> ActivationOp(const ActivationParams& a) {
  fe::graph::Pointwise_attributes op;
  switch (a.type) {
    case ActivationType::kRelu:
      return op.set_mode(fe::PointwiseMode_t::RELU_FWD);
    case ActivationType::kClip:
      if (a.alpha != 0.0f) break;  // relu6 and the like: clip(x, 0, beta)
      op.set_mode(fe::PointwiseMode_t::RELU_FWD).set_relu_lower_clip(0.0f);
      if (a.beta < std::numeric_limits<float>::infinity()) op.set_relu_upper_clip(a.beta);
      return op;
    case ActivationType::kLeakyRelu:
      return op.set_mode(fe::PointwiseMode_t::RELU_FWD).set_relu_lower_clip_slope(a.alpha);
    case ActivationType::kSigmoid:
      return op.set_mode(fe::PointwiseMode_t::SIGMOID_FWD);
    case ActivationType::kTanh:
      return op.set_mode(fe::PointwiseMode_t::TANH_FWD);
    default:
      break;
  }
  return absl::UnimplementedError(absl::StrCat("activation ", ActivationTypeName(a.type),
                                               " has no cuDNN graph equivalent here"));
}

std::string Signature(const NodeContext& node, int64_t batch) {
  std::string key = absl::StrCat(node.attrs.ToString(), "|b", batch,
                                 node.target.allow_tf32 ? "|tf32" : "");
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.has_input(i)) {
      absl::StrAppend(&key, "|-");
      continue;
    }
    const TensorDesc& d = node.inputs[i];
    absl::StrAppend(&key, "|", DataTypeName(d.dtype), TensorFormatName(d.format),
                    DimsString(d.dims));
  }
  const TensorDesc& y = node.outputs[0];
  absl::StrAppend(&key, "|", DataTypeName(y.dtype), TensorFormatName(y.format),
                  DimsString(y.dims));
  return key;
}

absl::StatusOr<std::unique_ptr<fe::graph::Graph>> BuildGraph(const NodeContext& node,
                                                             int64_t batch, cudnnHandle_t handle) {
  KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ConvolutionParams::FromAttrs(node.attrs));
  const TensorDesc& xd = node.inputs[0];
  const Dims& x = xd.dims;
  const Dims& w = node.inputs[1].dims;
  const Dims& y = node.outputs[0].dims;
  const TensorFormat format = xd.format;
  const fe::DataType_t io =
      xd.dtype == DataType::kFloat16 ? fe::DataType_t::HALF : fe::DataType_t::FLOAT;
  auto g = std::make_unique<fe::graph::Graph>();
  g->set_io_data_type(io)
      .set_compute_data_type(fe::DataType_t::FLOAT)
      .set_intermediate_data_type(fe::DataType_t::FLOAT);
  auto tensor = [&](const char* name, int64_t uid, std::vector<int64_t> dims,
                    std::vector<int64_t> strides) {
    return g->tensor(fe::graph::Tensor_attributes()
                         .set_name(name)
                         .set_uid(uid)
                         .set_dim(std::move(dims))
                         .set_stride(std::move(strides)));
  };
  auto X = tensor("x", kX, {batch, x[1], x[2], x[3]}, Strides(format, x[1], x[2], x[3]));
  auto W = tensor("w", kW, {w[0], w[1], w[2], w[3]}, Strides(format, w[1], w[2], w[3]));
  auto out = g->conv_fprop(X, W,
                           fe::graph::Conv_fprop_attributes()
                               .set_pre_padding({p.pads[0], p.pads[1]})
                               .set_post_padding({p.pads[2], p.pads[3]})
                               .set_stride({p.strides[0], p.strides[1]})
                               .set_dilation({p.dilations[0], p.dilations[1]}));
  const std::vector<int64_t> y_dims = {batch, y[1], y[2], y[3]};
  const std::vector<int64_t> y_strides = Strides(format, y[1], y[2], y[3]);
  if (node.has_input(2)) {
    auto B = tensor("bias", kBias, {1, y[1], 1, 1}, {y[1], 1, 1, 1});
    out = g->pointwise(out, B, fe::graph::Pointwise_attributes().set_mode(fe::PointwiseMode_t::ADD));
  }
  if (node.has_input(3)) {
    auto Z = tensor("residual", kResidual, y_dims, y_strides);
    out = g->pointwise(out, Z, fe::graph::Pointwise_attributes().set_mode(fe::PointwiseMode_t::ADD));
  }
  if (p.activation.has_value()) {
    KILN_ASSIGN_OR_RETURN(fe::graph::Pointwise_attributes act, ActivationOp(*p.activation));
    out = g->pointwise(out, act);
  }
  out->set_output(true).set_uid(kY).set_dim(y_dims).set_stride(y_strides).set_data_type(io);
  KILN_FE_RETURN_IF_ERROR(g->validate(), "validate");
  KILN_FE_RETURN_IF_ERROR(g->build_operation_graph(handle), "build_operation_graph");
  KILN_FE_RETURN_IF_ERROR(g->create_execution_plans({fe::HeurMode_t::A, fe::HeurMode_t::FALLBACK}),
                          "create_execution_plans");
  if (xd.dtype == DataType::kFloat32) {
    std::vector<fe::NumericalNote_t> barred = {fe::NumericalNote_t::DOWN_CONVERT_INPUTS};
    if (!node.target.allow_tf32) barred.push_back(fe::NumericalNote_t::TENSOR_CORE);
    g->deselect_numeric_notes(barred);
  }
  KILN_FE_RETURN_IF_ERROR(g->check_support(handle), "check_support");
  return g;
}

// The process-wide entry for `node` at `batch`, its graph built on first use.
absl::StatusOr<std::shared_ptr<GraphEntry>> EntryFor(const NodeContext& node, int64_t batch) {
  return GraphEntryFor(Signature(node, batch),
                       [&](cudnnHandle_t handle) { return BuildGraph(node, batch, handle); });
}

class GraphConvKernel : public Kernel {
 public:
  GraphConvKernel(BoundPlan max_plan, BoundPlan one_plan, int max_batch)
      : max_plan_(std::move(max_plan)), one_plan_(std::move(one_plan)), max_batch_(max_batch) {}

  absl::Status Run(const KernelArgs& args) const override {
    cudnnHandle_t handle = ResourcesOf(args).cudnn();
    const int64_t batch = args.input_descs[0].dims[0];
    if (batch == max_batch_) return Execute(max_plan_, handle, args, 0);
    // Other batch sizes as batch-1 slices (items are contiguous in NCHW and NHWC).
    for (int64_t item = 0; item < batch; ++item) {
      KILN_RETURN_IF_ERROR(Execute(one_plan_, handle, args, item));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Execute(const BoundPlan& plan, cudnnHandle_t handle, const KernelArgs& args,
                       int64_t item) const {
    const size_t elem = args.input_descs[0].dtype == DataType::kFloat16 ? 2 : 4;
    const Dims& x = args.input_descs[0].dims;
    const Dims& y = args.output_descs[0].dims;
    const int64_t x_item = x[1] * x[2] * x[3] * elem * item;
    const int64_t y_item = y[1] * y[2] * y[3] * elem * item;
    void* ptrs[5];
    int n = 0;
    ptrs[n++] = const_cast<char*>(static_cast<const char*>(args.inputs[0]) + x_item);
    ptrs[n++] = const_cast<void*>(args.inputs[1]);
    if (args.inputs.size() > 2 && args.inputs[2] != nullptr) {
      ptrs[n++] = const_cast<void*>(args.inputs[2]);
    }
    if (args.inputs.size() > 3 && args.inputs[3] != nullptr) {
      ptrs[n++] = const_cast<char*>(static_cast<const char*>(args.inputs[3]) + y_item);
    }
    ptrs[n++] = static_cast<char*>(args.outputs[0]) + y_item;
    return FrontendStatus(plan.entry->graph->execute_plan_at_index(handle, ptrs, n, args.workspace,
                                                                   plan.index),
                          "execute");
  }

  BoundPlan max_plan_, one_plan_;
  int max_batch_;
};

class GraphConvTactic : public CudaTactic {
 public:
  GraphConvTactic(int rank, TensorFormat format, DataType dtype)
      : CudaTactic(absl::StrCat("cuda.convolution.cudnn_graph.h", rank, ".",
                                format == TensorFormat::kNHWC ? "nhwc" : "nchw", ".",
                                DataTypeName(dtype)),
                   kConvolutionOp, /*accepts_nhwc=*/format == TensorFormat::kNHWC),
        rank_(rank),
        format_(format),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireShape(node));
    KILN_ASSIGN_OR_RETURN(ConvolutionParams p, ConvolutionParams::FromAttrs(node.attrs));
    if (p.activation.has_value()) KILN_RETURN_IF_ERROR(ActivationOp(*p.activation).status());
    return WorkspaceBytes(node, rank_).status();
  }

  size_t WorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<int64_t> bytes = WorkspaceBytes(node, rank_);
    return bytes.ok() ? static_cast<size_t>(*bytes) : 0;
  }

  // The state: cuDNN's names of the plans at the max batch and at batch 1.
  absl::StatusOr<std::vector<uint8_t>> PrepareState(const NodeContext& node) const override {
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> max_entry, EntryFor(node, node.max_batch));
    KILN_RETURN_IF_ERROR(BuildGraphPlan(*max_entry, rank_).status());
    std::string state = max_entry->names[rank_];
    if (node.max_batch > 1) {
      KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> one, EntryFor(node, 1));
      KILN_ASSIGN_OR_RETURN(int64_t index, OneIndex(*one, max_entry->names[rank_]));
      absl::StrAppend(&state, "\n", one->names[index]);
    }
    return std::vector<uint8_t>(state.begin(), state.end());
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(
      const NodeContext& node, absl::Span<const uint8_t> state_bytes) const override {
    const std::string state(state_bytes.begin(), state_bytes.end());
    const size_t cut = state.find('\n');
    const std::string max_name = state.substr(0, cut);
    const std::string one_name = cut == std::string::npos ? max_name : state.substr(cut + 1);
    KILN_ASSIGN_OR_RETURN(BoundPlan max_plan, Bind(node, node.max_batch, max_name));
    BoundPlan one_plan = max_plan;
    if (node.max_batch > 1) {
      KILN_ASSIGN_OR_RETURN(one_plan, Bind(node, 1, one_name));
    }
    return std::unique_ptr<Kernel>(
        std::make_unique<GraphConvKernel>(std::move(max_plan), std::move(one_plan),
                                          node.max_batch));
  }

 private:
  absl::Status RequireShape(const NodeContext& node) const {
    if (node.inputs.size() < 2 || node.inputs[0].rank() != 4 || node.inputs[1].rank() != 4) {
      return absl::UnimplementedError("only 2-D convolutions (4-D input and weights)");
    }
    if (node.constant(1) == nullptr) {
      return absl::UnimplementedError("needs constant weights");
    }
    return RequireConvVariant(node, CudnnConvVariant{dtype_, format_});
  }

  // The batch-1 plan to pair with the max-batch plan `max_name`: the same
  // configuration where cuDNN offers it at batch 1, else its top one.
  absl::StatusOr<int64_t> OneIndex(GraphEntry& one, const std::string& max_name) const {
    KILN_RETURN_IF_ERROR(one.status);
    int64_t index = GraphPlanIndex(one, max_name);
    if (index < 0 || !BuildGraphPlan(one, index).ok()) index = 0;
    KILN_RETURN_IF_ERROR(BuildGraphPlan(one, index).status());
    return index;
  }

  absl::StatusOr<int64_t> WorkspaceBytes(const NodeContext& node, int rank) const {
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> max_entry, EntryFor(node, node.max_batch));
    KILN_ASSIGN_OR_RETURN(int64_t bytes, BuildGraphPlan(*max_entry, rank));
    if (node.max_batch > 1) {
      KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> one, EntryFor(node, 1));
      KILN_ASSIGN_OR_RETURN(int64_t index, OneIndex(*one, max_entry->names[rank]));
      bytes = std::max(bytes, one->workspace[index]);
    }
    return bytes;
  }

  absl::StatusOr<BoundPlan> Bind(const NodeContext& node, int64_t batch,
                                 const std::string& name) const {
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> entry, EntryFor(node, batch));
    KILN_RETURN_IF_ERROR(entry->status);
    const int64_t index = GraphPlanIndex(*entry, name);
    if (index < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cuDNN no longer offers engine configuration '", name, "' for layer '", node.name,
          "' at batch ", batch, "; rebuild the plan with this cuDNN"));
    }
    KILN_RETURN_IF_ERROR(BuildGraphPlan(*entry, index).status());
    return BoundPlan{entry, index};
  }

  int rank_;
  TensorFormat format_;
  DataType dtype_;
};

bool RegisterGraphConvTactics() {
  for (DataType dtype : {DataType::kFloat16, DataType::kFloat32}) {
    for (TensorFormat format : {TensorFormat::kNHWC, TensorFormat::kLinear}) {
      for (int rank = 0; rank < kRanks; ++rank) {
        internal::RegisterTacticOrDie(std::make_unique<GraphConvTactic>(rank, format, dtype));
      }
    }
  }
  return true;
}

const bool kGraphConvTacticsRegistered = RegisterGraphConvTactics();

}  // namespace
}  // namespace cuda
}  // namespace kiln

#endif  // __has_include(<cudnn_frontend.h>)
