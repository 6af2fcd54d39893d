// cuda Padding: one kernel (kernels::Pad), one thread per output element,
// constant / reflect / edge with cpu_ref's index mapping; elements are moved
// as unsigned integers of their size, so any dtype is bit-exact. The
// constant's bytes are encoded once in CreateKernel.
#include "ops/padding.h"

#include <cstring>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class PaddingKernel : public Kernel {
 public:
  explicit PaddingKernel(kernels::PadShape base) : base_(base) {}

  absl::Status Run(const KernelArgs& args) const override {
    kernels::PadShape shape = base_;  // mode, value and pads; dims per run
    const Dims& in_dims = args.input_descs[0].dims;
    const Dims& out_dims = args.output_descs[0].dims;
    for (int d = 0; d < shape.rank; ++d) {
      shape.in_dims[d] = in_dims[d];
      shape.out_dims[d] = out_dims[d];
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::Pad(static_cast<int>(DataTypeSize(args.input_descs[0].dtype)),
                                           shape, args.inputs[0], args.outputs[0],
                                           ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  kernels::PadShape base_;
};

class PaddingTactic : public CudaTactic {
 public:
  PaddingTactic()
      : CudaTactic("cuda.padding.kernel", kPaddingOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("input and output dtypes differ; padding copies bytes");
    }
    if (node.inputs[0].rank() == 0) return absl::UnimplementedError("scalar input");
    return PaddingParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(PaddingParams params, PaddingParams::FromAttrs(node.attrs));
    const int64_t rank = node.inputs[0].rank();
    if (rank < 1 || rank > kernels::kMaxRank) {
      return node.Error("rank ", rank, " is not in 1..", kernels::kMaxRank);
    }
    if (!params.pads.empty() && static_cast<int64_t>(params.pads.size()) != 2 * rank) {
      return node.Error("pads has ", params.pads.size(), " values; expected ", 2 * rank);
    }
    kernels::PadShape shape;
    shape.rank = static_cast<int>(rank);
    switch (params.mode) {
      case PaddingMode::kConstant: shape.mode = 0; break;
      case PaddingMode::kReflect: shape.mode = 1; break;
      case PaddingMode::kEdge: shape.mode = 2; break;
    }
    for (int64_t d = 0; d < rank; ++d) shape.begin[d] = params.pads.empty() ? 0 : params.pads[d];
    if (params.mode == PaddingMode::kConstant) {
      uint8_t value[sizeof(uint64_t)] = {};
      absl::Status encoded = EncodePaddingValue(params.value, node.inputs[0].dtype, value);
      if (!encoded.ok()) return node.Error(encoded.message());
      // Little-endian: the element's bytes are the low bytes of the integer.
      std::memcpy(&shape.value, value, sizeof(value));
    }
    return std::unique_ptr<Kernel>(std::make_unique<PaddingKernel>(shape));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<PaddingTactic>());

}  // namespace cuda
}  // namespace kiln
