// cuda Attention through cuDNN's fused scaled dot-product attention (the
// cuDNN frontend's sdpa node; FlashAttention-style kernels on sm_80 and
// later): cuda.attention.cudnn_sdpa.fp16. Q, K, V and the output fp16,
// dense [B, H, S, D], or [B, S, H, D] in layout bshd (the same dims to cuDNN,
// with that memory's strides); the mask becomes cuDNN's additive bias, broadcast over
// the dims where it has size 1; causal is cuDNN's causal mask, top-left
// aligned when Sq == Sk (where it is also ops/attention.h's bottom-right
// alignment) and bottom-right otherwise (cuDNN takes no bias then). cuDNN's
// support check decides the rest (head sizes, sequence lengths, GPU); the
// builder times this tactic against cuda.attention.kernel.
//
// As with the cuDNN graph convolutions (convolution_graph.cc), plans are
// built once per layer signature, for the max batch and for batch 1; other
// batches run as batch-1 slices. The state names cuDNN's engine
// configuration, so a loaded plan runs the one that was timed.
//
// Without the frontend headers (tools/setup.sh could not fetch them) this
// file registers nothing.
#if __has_include(<cudnn_frontend.h>)

#include <cudnn_frontend.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cuda/common.h"
#include "backends/cuda/cudnn_graph_common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/attention.h"

namespace kiln {
namespace cuda {
namespace {

namespace fe = cudnn_frontend;

constexpr int64_t kQ = 1, kK = 2, kV = 3, kBias = 4, kO = 5;  // tensor uids, execute order

// Dense row-major strides of `dims`, 0 along dims of size 1 that broadcast
// to `full` (the mask).
std::vector<int64_t> Strides(const std::vector<int64_t>& dims, const std::vector<int64_t>& full) {
  std::vector<int64_t> strides(dims.size());
  int64_t stride = 1;
  for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
    strides[d] = dims[d] == 1 && full[d] != 1 ? 0 : stride;
    stride *= dims[d];
  }
  return strides;
}

// The mask's dims right-aligned to rank 4 ([B|1, H|1, Sq|1, Sk|1]).
std::vector<int64_t> MaskDims(const Dims& mask) {
  std::vector<int64_t> dims(4, 1);
  for (size_t i = 0; i < mask.size(); ++i) dims[4 - mask.size() + i] = mask[i];
  return dims;
}

std::string Signature(const NodeContext& node, int64_t batch) {
  std::string key = absl::StrCat("sdpa|", node.attrs.ToString(), "|b", batch);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.has_input(i)) continue;
    absl::StrAppend(&key, "|", DataTypeName(node.inputs[i].dtype), DimsString(node.inputs[i].dims));
  }
  return key;
}

absl::StatusOr<std::unique_ptr<fe::graph::Graph>> BuildGraph(const NodeContext& node,
                                                             int64_t batch, cudnnHandle_t handle) {
  KILN_ASSIGN_OR_RETURN(AttentionParams p, AttentionParams::FromAttrs(node.attrs));
  // cuDNN takes [B, H, S, D] dims and any strides: each layout's
  // (AttentionGeometry); packed_qkv's K and V are Q's buffer from an offset.
  const bool packed = p.layout == AttentionLayout::kPackedQkv;
  const AttentionGeometry geo =
      AttentionGeometryOf(p.layout, node.inputs[0].dims, packed ? Dims{} : node.inputs[1].dims,
                          packed ? Dims{} : node.inputs[2].dims);
  auto strides_of = [](const AttentionGeometry::Strides& st) {
    return std::vector<int64_t>{st.batch, st.head, st.seq, 1};
  };
  auto g = std::make_unique<fe::graph::Graph>();
  g->set_io_data_type(fe::DataType_t::HALF)
      .set_intermediate_data_type(fe::DataType_t::FLOAT)
      .set_compute_data_type(fe::DataType_t::FLOAT);
  auto tensor = [&](const char* name, int64_t uid, std::vector<int64_t> dims,
                    std::vector<int64_t> strides) {
    return g->tensor(fe::graph::Tensor_attributes()
                         .set_name(name)
                         .set_uid(uid)
                         .set_dim(std::move(dims))
                         .set_stride(std::move(strides)));
  };
  const std::vector<int64_t> qd = {batch, geo.heads, geo.sq, geo.d};
  const std::vector<int64_t> kd = {batch, geo.heads, geo.sk, geo.d};
  const std::vector<int64_t> vd = {batch, geo.heads, geo.sk, geo.dv};
  const std::vector<int64_t> od = {batch, geo.heads, geo.sq, geo.dv};
  auto Q = tensor("Q", kQ, qd, strides_of(geo.q));
  auto K = tensor("K", kK, kd, strides_of(geo.k));
  auto V = tensor("V", kV, vd, strides_of(geo.v));
  auto options = fe::graph::SDPA_attributes()
                     .set_name("attention")
                     .set_generate_stats(false)
                     .set_attn_scale(p.scale);
  if (node.has_input(3)) {
    std::vector<int64_t> md = MaskDims(node.inputs[3].dims);
    if (md[0] != 1) md[0] = batch;
    const std::vector<int64_t> full = {batch, geo.heads, geo.sq, geo.sk};
    auto bias = tensor("mask", kBias, md, Strides(md, full));
    bias->set_data_type(node.inputs[3].dtype == DataType::kFloat16 ? fe::DataType_t::HALF
                                                                   : fe::DataType_t::FLOAT);
    options.set_bias(bias);
  }
  if (p.causal) {
    if (geo.sq == geo.sk) {
      options.set_causal_mask(true);
    } else {
      options.set_causal_mask_bottom_right(true);
    }
  }
  auto outputs = g->sdpa(Q, K, V, options);
  outputs[0]->set_output(true).set_uid(kO).set_dim(od).set_stride(strides_of(geo.out));
  KILN_FE_RETURN_IF_ERROR(g->validate(), "validate");
  KILN_FE_RETURN_IF_ERROR(g->build_operation_graph(handle), "build_operation_graph");
  KILN_FE_RETURN_IF_ERROR(g->create_execution_plans({fe::HeurMode_t::A, fe::HeurMode_t::FALLBACK}),
                          "create_execution_plans");
  KILN_FE_RETURN_IF_ERROR(g->check_support(handle), "check_support");
  return g;
}

absl::StatusOr<std::shared_ptr<GraphEntry>> EntryFor(const NodeContext& node, int64_t batch) {
  std::shared_ptr<GraphEntry> entry =
      GraphEntryFor(Signature(node, batch),
                    [&](cudnnHandle_t handle) { return BuildGraph(node, batch, handle); });
  KILN_RETURN_IF_ERROR(entry->status);
  return entry;
}

class SdpaKernel : public Kernel {
 public:
  // `k_offset` and `v_offset`: bytes from Q to K and V in input 0 with
  // layout packed_qkv (`packed`).
  SdpaKernel(BoundPlan max_plan, BoundPlan one_plan, int64_t max_batch, bool packed,
             int64_t k_offset, int64_t v_offset)
      : max_plan_(std::move(max_plan)),
        one_plan_(std::move(one_plan)),
        max_batch_(max_batch),
        packed_(packed),
        k_offset_(k_offset),
        v_offset_(v_offset) {}

  absl::Status Run(const KernelArgs& args) const override {
    cudnnHandle_t handle = ResourcesOf(args).cudnn();
    const int64_t batch = args.input_descs[0].dims[0];
    if (batch == max_batch_) return Execute(max_plan_, handle, args, 0);
    for (int64_t item = 0; item < batch; ++item) {
      KILN_RETURN_IF_ERROR(Execute(one_plan_, handle, args, item));
    }
    return absl::OkStatus();
  }

 private:
  // Bytes from one batch item to the next in tensor `desc` (0 when its
  // batch dim broadcasts: a mask of size 1 there).
  static int64_t ItemBytes(const TensorDesc& desc, bool broadcasts) {
    if (broadcasts) return 0;
    return Volume(desc.dims) / desc.dims[0] * static_cast<int64_t>(DataTypeSize(desc.dtype));
  }

  absl::Status Execute(const BoundPlan& plan, cudnnHandle_t handle, const KernelArgs& args,
                       int64_t item) const {
    auto at = [&](const void* p, int64_t bytes) {
      return const_cast<char*>(static_cast<const char*>(p)) + bytes * item;
    };
    void* ptrs[5];
    int n = 0;
    if (packed_) {  // Q, K and V in input 0: K and V from their offsets
      char* q = at(args.inputs[0], ItemBytes(args.input_descs[0], false));
      for (int64_t offset : {int64_t{0}, k_offset_, v_offset_}) ptrs[n++] = q + offset;
    } else {
      for (int i = 0; i < 3; ++i) {
        ptrs[n++] = at(args.inputs[i], ItemBytes(args.input_descs[i], false));
      }
    }
    if (args.inputs.size() > 3 && args.inputs[3] != nullptr) {
      const TensorDesc& mask = args.input_descs[3];
      ptrs[n++] = at(args.inputs[3], ItemBytes(mask, mask.rank() < 4 || mask.dims[0] == 1));
    }
    ptrs[n++] = at(args.outputs[0], ItemBytes(args.output_descs[0], false));
    return FrontendStatus(plan.entry->graph->execute_plan_at_index(handle, ptrs, n, args.workspace,
                                                                   plan.index),
                          "execute");
  }

  BoundPlan max_plan_, one_plan_;
  int64_t max_batch_;
  bool packed_;
  int64_t k_offset_, v_offset_;
};

class SdpaTactic : public CudaTactic {
 public:
  SdpaTactic() : CudaTactic("cuda.attention.cudnn_sdpa.fp16", kAttentionOp) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    for (int i = 0; i < 3; ++i) {
      if (!node.has_input(i)) continue;  // K and V of layout packed_qkv
      if (node.inputs[i].dtype != DataType::kFloat16) {
        return absl::UnimplementedError("cuDNN's fused attention runs fp16 Q, K and V here");
      }
    }
    if (node.has_input(3) && node.inputs[3].rank() > 4) {
      return absl::UnimplementedError("the mask has rank above 4");
    }
    return WorkspaceBytes(node).status();
  }

  size_t WorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<int64_t> bytes = WorkspaceBytes(node);
    return bytes.ok() ? static_cast<size_t>(*bytes) : 0;
  }

  // The state: cuDNN's names of the plans at the max batch and at batch 1.
  absl::StatusOr<std::vector<uint8_t>> PrepareState(const NodeContext& node) const override {
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> max_entry, EntryFor(node, node.max_batch));
    KILN_RETURN_IF_ERROR(BuildGraphPlan(*max_entry, 0).status());
    std::string state = max_entry->names[0];
    if (node.max_batch > 1) {
      KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> one, EntryFor(node, 1));
      KILN_RETURN_IF_ERROR(BuildGraphPlan(*one, 0).status());
      absl::StrAppend(&state, "\n", one->names[0]);
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
    KILN_ASSIGN_OR_RETURN(AttentionParams params, AttentionParams::FromAttrs(node.attrs));
    const bool packed = params.layout == AttentionLayout::kPackedQkv;
    const AttentionGeometry g = AttentionGeometryOf(params.layout, node.inputs[0].dims, {}, {});
    const int64_t elem = static_cast<int64_t>(DataTypeSize(node.inputs[0].dtype));
    return std::unique_ptr<Kernel>(
        std::make_unique<SdpaKernel>(std::move(max_plan), std::move(one_plan), node.max_batch,
                                     packed, g.k_offset * elem, g.v_offset * elem));
  }

 private:
  absl::StatusOr<int64_t> WorkspaceBytes(const NodeContext& node) const {
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> max_entry, EntryFor(node, node.max_batch));
    KILN_ASSIGN_OR_RETURN(int64_t bytes, BuildGraphPlan(*max_entry, 0));
    if (node.max_batch > 1) {
      KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> one, EntryFor(node, 1));
      KILN_ASSIGN_OR_RETURN(int64_t one_bytes, BuildGraphPlan(*one, 0));
      bytes = std::max(bytes, one_bytes);
    }
    return bytes;
  }

  absl::StatusOr<BoundPlan> Bind(const NodeContext& node, int64_t batch,
                                 const std::string& name) const {
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<GraphEntry> entry, EntryFor(node, batch));
    const int64_t index = GraphPlanIndex(*entry, name);
    if (index < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cuDNN no longer offers attention engine configuration '", name, "' for layer '",
          node.name, "' at batch ", batch, "; rebuild the plan with this cuDNN"));
    }
    KILN_RETURN_IF_ERROR(BuildGraphPlan(*entry, index).status());
    return BoundPlan{entry, index};
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<SdpaTactic>());

}  // namespace cuda
}  // namespace kiln

#endif  // __has_include(<cudnn_frontend.h>)
