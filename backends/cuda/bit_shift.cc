// cuda BitShift: one thread per output element with broadcasting
// (kernels/pointwise.cu), int32 and int64 values read as unsigned `width`-bit
// numbers exactly as cpu_ref (a shift by >= width gives 0).
#include "ops/bit_shift.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/pointwise.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class BitShiftKernel : public Kernel {
 public:
  explicit BitShiftKernel(BitShiftParams params) : params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    const kernels::BroadcastShape shape = kernels::MakeBroadcastShape(
        args.input_descs[0].dims, args.input_descs[1].dims, args.output_descs[0].dims);
    KILN_CUDA_RETURN_IF_ERROR(kernels::BitShift(
        args.input_descs[0].dtype == DataType::kInt64, params_.left,
        static_cast<int>(params_.width), shape, args.output_descs[0].volume(), args.inputs[0],
        args.inputs[1], args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  BitShiftParams params_;
};

class BitShiftTactic : public CudaTactic {
 public:
  BitShiftTactic()
      : CudaTactic("cuda.bit_shift.kernel.int", kBitShiftOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    const DataType dtype = node.inputs[0].dtype;
    if (dtype != DataType::kInt32 && dtype != DataType::kInt64) {
      return absl::UnimplementedError(
          absl::StrCat("input is ", DataTypeName(dtype), "; this tactic takes int32 or int64"));
    }
    return BitShiftParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(BitShiftParams params, BitShiftParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<BitShiftKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<BitShiftTactic>());

}  // namespace cuda
}  // namespace kiln
