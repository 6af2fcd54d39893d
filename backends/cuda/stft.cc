// cuda STFT: kiln's own kernel (kernels/signal.cu), cpu_ref's O(n^2) DFT of
// each windowed frame in double with the same twiddle angles, one thread per
// (batch, frame, bin).
#include "ops/stft.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/sequence.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class StftKernel : public Kernel {
 public:
  StftKernel(int64_t frame_step, int64_t frame_length, bool fp16)
      : frame_step_(frame_step), frame_length_(frame_length), fp16_(fp16) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;   // [batch, length, 1 or 2]
    const Dims& y = args.output_descs[0].dims;  // [batch, frames, bins, 2]
    const void* window = args.inputs.size() > 1 ? args.inputs[1] : nullptr;
    kernels::StftShape shape;
    shape.batch = x[0];
    shape.length = x[1];
    shape.in_complex = x[2];
    shape.frames = y[1];
    shape.bins = y[2];
    shape.frame_length = frame_length_;
    shape.frame_step = frame_step_;
    KILN_CUDA_RETURN_IF_ERROR(kernels::Stft(fp16_, shape, args.inputs[0], window,
                                            args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  int64_t frame_step_, frame_length_;
  bool fp16_;
};

class StftTactic : public CudaTactic {
 public:
  explicit StftTactic(DataType dtype)
      : CudaTactic(dtype == DataType::kFloat16 ? "cuda.stft.direct.fp16" : "cuda.stft.direct.fp32",
                   kStftOp),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("input is ", DataTypeName(node.inputs[0].dtype),
                                                   "; this tactic is ", DataTypeName(dtype_),
                                                   " only"));
    }
    return StftParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(StftParams params, StftParams::FromAttrs(node.attrs));
    // The same defaulting as shape inference: the window's size, else the signal.
    int64_t frame_length = params.frame_length;
    if (frame_length == 0 && node.has_input(1)) frame_length = node.inputs[1].dims[0];
    if (frame_length == 0) frame_length = node.inputs[0].dims[1];
    return std::unique_ptr<Kernel>(std::make_unique<StftKernel>(
        params.frame_step, frame_length, dtype_ == DataType::kFloat16));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<StftTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<StftTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
