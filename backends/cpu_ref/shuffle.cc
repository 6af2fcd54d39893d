// cpu_ref Shuffle: a reshape moves no data (row-major order is kept), so a
// shuffle is at most two transposes. Each transpose is one strided copy in
// output order, on unsigned integers of the element's size: bit-exact for
// every dtype.
#include <cstring>
#include <vector>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/shuffle.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Writes the transpose of `in` (dims `in_dims`): output dim i is input dim
// perm[i].
void Transpose(const void* in, const SmallDims& in_dims, const std::vector<int64_t>& perm,
               size_t elem_size, void* out) {
  const size_t rank = in_dims.size();
  SmallDims row_major(rank);
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    row_major[d] = stride;
    stride *= in_dims[d];
  }
  SmallDims out_dims(rank), in_strides(rank);
  for (size_t i = 0; i < rank; ++i) {
    out_dims[i] = in_dims[perm[i]];
    in_strides[i] = row_major[perm[i]];
  }
  StridedCopy(in, elem_size, out_dims, in_strides, out);
}

bool IsIdentity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// The transposes left to do, identities dropped (empty = none).
struct TransposePlan {
  std::vector<int64_t> first;
  std::vector<int64_t> second;
  bool needs_workspace() const { return !first.empty() && !second.empty(); }
};

TransposePlan MakePlan(const ShuffleParams& params) {
  TransposePlan plan;
  plan.first = params.first_transpose;
  plan.second = params.second_transpose;
  if (!params.has_reshape && !plan.second.empty()) {
    // Nothing between the transposes: they compose into one,
    // out[i] = first_out[second[i]] = in[first[second[i]]].
    std::vector<int64_t> composed(plan.second.size());
    for (size_t i = 0; i < composed.size(); ++i) {
      composed[i] = plan.first.empty() ? plan.second[i] : plan.first[plan.second[i]];
    }
    plan.first = std::move(composed);
    plan.second.clear();
  }
  if (IsIdentity(plan.first)) plan.first.clear();
  if (IsIdentity(plan.second)) plan.second.clear();
  return plan;
}

class ShuffleKernel : public Kernel {
 public:
  explicit ShuffleKernel(TransposePlan plan) : plan_(std::move(plan)) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in_desc = args.input_descs[0];
    const TensorDesc& out_desc = args.output_descs[0];
    const size_t elem_size = DataTypeSize(in_desc.dtype);
    const SmallDims in_dims(in_desc.dims.begin(), in_desc.dims.end());
    if (plan_.first.empty() && plan_.second.empty()) {
      // A view (RunsAsView) when the builder gave both one address.
      if (out_desc.bytes() > 0 && args.outputs[0] != args.inputs[0]) {
        std::memcpy(args.outputs[0], args.inputs[0], out_desc.bytes());
      }
      return absl::OkStatus();
    }
    if (plan_.second.empty()) {
      // The reshape only relabels the transposed data.
      Transpose(args.inputs[0], in_dims, plan_.first, elem_size, args.outputs[0]);
      return absl::OkStatus();
    }
    // The reshaped dims at this batch size: undo the second transpose on the
    // output dims (output dim i is reshaped dim second[i]).
    SmallDims reshaped_dims(plan_.second.size());
    for (size_t i = 0; i < plan_.second.size(); ++i) {
      reshaped_dims[plan_.second[i]] = out_desc.dims[i];
    }
    const void* reshaped = args.inputs[0];
    if (!plan_.first.empty()) {
      Transpose(args.inputs[0], in_dims, plan_.first, elem_size, args.workspace);
      reshaped = args.workspace;
    }
    Transpose(reshaped, reshaped_dims, plan_.second, elem_size, args.outputs[0]);
    return absl::OkStatus();
  }

 private:
  TransposePlan plan_;
};

class ShuffleTactic : public Tactic {
 public:
  ShuffleTactic()
      : Tactic(TacticInfo{"cpu_ref.shuffle.direct", kShuffleOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  // A reshape without transposes moves no data.
  bool RunsAsView(const NodeContext& node) const override {
    absl::StatusOr<ShuffleParams> params = ShuffleParams::FromAttrs(node.attrs);
    if (!params.ok()) return false;
    const TransposePlan plan = MakePlan(*params);
    return plan.first.empty() && plan.second.empty();
  }

  // Two real transposes around a reshape need the first one's result.
  size_t WorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<ShuffleParams> params = ShuffleParams::FromAttrs(node.attrs);
    if (!params.ok()) return 0;  // CreateKernel reports it
    return MakePlan(*params).needs_workspace() ? node.inputs[0].bytes() : 0;
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ShuffleParams> params = ShuffleParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    // Re-checked because a plan's attributes come from a file.
    absl::StatusOr<Dims> dims = InferShuffleDims(*params, node.inputs);
    if (!dims.ok()) return node.Error(dims.status().message());
    if (*dims != node.outputs[0].dims) {
      return node.Error("the attributes give output ", DimsString(*dims), " but the output is ",
                        DimsString(node.outputs[0].dims));
    }
    return std::unique_ptr<Kernel>(std::make_unique<ShuffleKernel>(MakePlan(*params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ShuffleTactic>());

}  // namespace cpu_ref
}  // namespace kiln
