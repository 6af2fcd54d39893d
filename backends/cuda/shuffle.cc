// cuda Shuffle. cuda.shuffle.reshape_copy: the reshape-only case (flatten,
// view changes), a device-to-device copy in row-major order.
// cuda.shuffle.transpose: any shuffle, as at most two N-D transposes (rank
// <= 8) around the reshape, each one strided-copy kernel
// (kernels::StridedCopy) moving elements as unsigned integers of their size,
// so bit-exact for every dtype. Two real transposes go through the workspace.
#include "ops/shuffle.h"

#include <array>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

bool IsIdentityPermutation(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// Copies the input's bytes to the output, or nothing when the builder gave
// both one address (a view: RunsAsView).
class CopyKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    if (args.outputs[0] == args.inputs[0]) return absl::OkStatus();
    KILN_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(args.outputs[0], args.inputs[0],
                                              args.output_descs[0].bytes(),
                                              cudaMemcpyDeviceToDevice, ResourcesOf(args).stream()));
    return absl::OkStatus();
  }
};

absl::Status RequireLinearSameType(const NodeContext& node) {
  if (node.inputs[0].format != TensorFormat::kLinear ||
      node.outputs[0].format != TensorFormat::kLinear) {
    return absl::UnimplementedError("input and output must be linear (row-major)");
  }
  if (node.inputs[0].dtype != node.outputs[0].dtype) {
    return absl::UnimplementedError("input and output types differ");
  }
  return absl::OkStatus();
}

class ShuffleCopyTactic : public CudaTactic {
 public:
  ShuffleCopyTactic()
      : CudaTactic("cuda.shuffle.reshape_copy", kShuffleOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearSameType(node));
    KILN_ASSIGN_OR_RETURN(ShuffleParams params, ShuffleParams::FromAttrs(node.attrs));
    if (!IsIdentityPermutation(params.first_transpose) ||
        !IsIdentityPermutation(params.second_transpose)) {
      return absl::UnimplementedError(
          "transposes data; this tactic only reshapes (a transpose kernel is not written yet)");
    }
    return absl::OkStatus();
  }
  bool RunsAsView(const NodeContext& node) const override { return Supports(node).ok(); }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<CopyKernel>());
  }
};

// The transposes left to do, identities dropped (empty = none); the same
// plan as cpu_ref's.
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
    // Nothing between the transposes: out[i] = in[first[second[i]]].
    std::vector<int64_t> composed(plan.second.size());
    for (size_t i = 0; i < composed.size(); ++i) {
      composed[i] = plan.first.empty() ? plan.second[i] : plan.first[plan.second[i]];
    }
    plan.first = std::move(composed);
    plan.second.clear();
  }
  if (IsIdentityPermutation(plan.first)) plan.first.clear();
  if (IsIdentityPermutation(plan.second)) plan.second.clear();
  return plan;
}

// A permutation in the fixed-size form a kernel launch takes.
struct Perm {
  int rank = 0;
  std::array<int, kernels::kMaxRank> axes{};
};

Perm ToPerm(const std::vector<int64_t>& perm) {
  Perm p;
  p.rank = static_cast<int>(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) p.axes[i] = static_cast<int>(perm[i]);
  return p;
}

// Output dim i is input dim perm[i]: read input dim perm[i]'s row-major
// stride while walking output dim i.
kernels::StridedShape TransposeShape(const int64_t* in_dims, const Perm& perm) {
  int64_t row_major[kernels::kMaxRank];
  int64_t stride = 1;
  for (int d = perm.rank - 1; d >= 0; --d) {
    row_major[d] = stride;
    stride *= in_dims[d];
  }
  kernels::StridedShape shape;
  shape.rank = perm.rank;
  for (int i = 0; i < perm.rank; ++i) {
    shape.out_dims[i] = in_dims[perm.axes[i]];
    shape.in_strides[i] = row_major[perm.axes[i]];
  }
  return shape;
}

class TransposeKernel : public Kernel {
 public:
  TransposeKernel(Perm first, Perm second) : first_(first), second_(second) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in_desc = args.input_descs[0];
    const TensorDesc& out_desc = args.output_descs[0];
    const int elem_size = static_cast<int>(DataTypeSize(in_desc.dtype));
    cudaStream_t stream = ResourcesOf(args).stream();
    if (first_.rank == 0 && second_.rank == 0) {
      // A view (RunsAsView) when the builder gave both one address.
      if (out_desc.bytes() == 0 || args.outputs[0] == args.inputs[0]) return absl::OkStatus();
      KILN_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(args.outputs[0], args.inputs[0], out_desc.bytes(),
                                                cudaMemcpyDeviceToDevice, stream));
      return absl::OkStatus();
    }
    if (second_.rank == 0) {  // the reshape only relabels the transposed data
      KILN_CUDA_RETURN_IF_ERROR(kernels::StridedCopy(
          elem_size, TransposeShape(in_desc.dims.data(), first_), args.inputs[0],
          args.outputs[0], stream));
      return absl::OkStatus();
    }
    // The reshaped dims at this batch size: output dim i is reshaped dim
    // second[i].
    int64_t reshaped_dims[kernels::kMaxRank];
    for (int i = 0; i < second_.rank; ++i) reshaped_dims[second_.axes[i]] = out_desc.dims[i];
    const void* reshaped = args.inputs[0];
    if (first_.rank != 0) {
      KILN_CUDA_RETURN_IF_ERROR(kernels::StridedCopy(
          elem_size, TransposeShape(in_desc.dims.data(), first_), args.inputs[0],
          args.workspace, stream));
      reshaped = args.workspace;
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::StridedCopy(
        elem_size, TransposeShape(reshaped_dims, second_), reshaped, args.outputs[0], stream));
    return absl::OkStatus();
  }

 private:
  Perm first_, second_;  // rank 0: no transpose
};

class ShuffleTransposeTactic : public CudaTactic {
 public:
  ShuffleTransposeTactic()
      : CudaTactic("cuda.shuffle.transpose", kShuffleOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearSameType(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    KILN_ASSIGN_OR_RETURN(ShuffleParams params, ShuffleParams::FromAttrs(node.attrs));
    const TransposePlan plan = MakePlan(params);
    if (plan.first.size() > kernels::kMaxRank || plan.second.size() > kernels::kMaxRank) {
      return absl::UnimplementedError(absl::StrCat("transposes of rank > ", kernels::kMaxRank));
    }
    return absl::OkStatus();
  }
  size_t WorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<ShuffleParams> params = ShuffleParams::FromAttrs(node.attrs);
    if (!params.ok()) return 0;  // CreateKernel reports it
    return MakePlan(*params).needs_workspace() ? node.inputs[0].bytes() : 0;
  }
  bool RunsAsView(const NodeContext& node) const override {
    absl::StatusOr<ShuffleParams> params = ShuffleParams::FromAttrs(node.attrs);
    if (!params.ok() || !Supports(node).ok()) return false;
    const TransposePlan plan = MakePlan(*params);
    return plan.first.empty() && plan.second.empty();
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
    const TransposePlan plan = MakePlan(*params);
    if (plan.first.size() > kernels::kMaxRank || plan.second.size() > kernels::kMaxRank) {
      return node.Error("transposes of rank > ", kernels::kMaxRank, " are not supported");
    }
    return std::unique_ptr<Kernel>(
        std::make_unique<TransposeKernel>(ToPerm(plan.first), ToPerm(plan.second)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ShuffleCopyTactic>());
KILN_REGISTER_TACTIC(std::make_unique<ShuffleTransposeTactic>());

}  // namespace cuda
}  // namespace kiln
