// cuda ReverseSequence: one kernel (kernels::ReverseSequence), one thread per
// output element reading its mirrored time step when inside the reversed
// prefix; lengths clamped to [0, time steps] as cpu_ref clamps them.
// Bit-exact for every dtype, int32 or int64 lengths.
#include "ops/reverse_sequence.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class ReverseSequenceKernel : public Kernel {
 public:
  explicit ReverseSequenceKernel(bool batch_first) : batch_first_(batch_first) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& in = args.input_descs[0];
    int64_t inner = 1;
    for (int64_t d = 2; d < in.rank(); ++d) inner *= in.dims[d];
    KILN_CUDA_RETURN_IF_ERROR(kernels::ReverseSequence(
        static_cast<int>(DataTypeSize(in.dtype)), in.dims[0], in.dims[1], inner, batch_first_,
        args.inputs[1], args.input_descs[1].dtype == DataType::kInt64, args.inputs[0],
        args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  bool batch_first_;  // batch_axis == 0
};

class ReverseSequenceTactic : public CudaTactic {
 public:
  ReverseSequenceTactic()
      : CudaTactic("cuda.reverse_sequence.kernel.any", kReverseSequenceOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.size() < 2 || !node.has_input(1)) {
      return absl::UnimplementedError("needs input and sequence_lens");
    }
    const DataType lens_type = node.inputs[1].dtype;
    if (lens_type != DataType::kInt32 && lens_type != DataType::kInt64) {
      return absl::UnimplementedError(absl::StrCat("sequence_lens are ", DataTypeName(lens_type),
                                                   "; expected int32 or int64"));
    }
    if (node.inputs[0].rank() < 2) {
      return absl::UnimplementedError(
          absl::StrCat("input has rank ", node.inputs[0].rank(), "; expected >= 2"));
    }
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("input and output types differ");
    }
    return ReverseSequenceParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ReverseSequenceParams> params = ReverseSequenceParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(
        std::make_unique<ReverseSequenceKernel>(params->batch_axis == 0));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ReverseSequenceTactic>());

}  // namespace cuda
}  // namespace kiln
