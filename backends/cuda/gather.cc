// cuda Gather: one kernel (kernels::Gather), one thread per output element,
// any data dtype (bit-exact), int32 or int64 indices read on the device.
// Run validates nothing, so it cannot report an out-of-range index as
// cpu_ref does (that would need a device-to-host sync): such an index writes
// zero bytes instead. Valid indices give cpu_ref's result bit for bit.
#include "ops/gather.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/kernels.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class GatherKernel : public Kernel {
 public:
  explicit GatherKernel(int64_t axis) : axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data_desc = args.input_descs[0];
    const TensorDesc& indices_desc = args.input_descs[1];
    int64_t outer = 1;
    for (int64_t d = 0; d < axis_; ++d) outer *= data_desc.dims[d];
    int64_t inner = 1;
    for (int64_t d = axis_ + 1; d < data_desc.rank(); ++d) inner *= data_desc.dims[d];
    KILN_CUDA_RETURN_IF_ERROR(kernels::Gather(
        static_cast<int>(DataTypeSize(data_desc.dtype)), outer, data_desc.dims[axis_], inner,
        indices_desc.volume(), args.inputs[1], indices_desc.dtype == DataType::kInt64,
        args.inputs[0], args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  int64_t axis_;  // non-negative
};

class GatherTactic : public CudaTactic {
 public:
  GatherTactic()
      : CudaTactic("cuda.gather.kernel", kGatherOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.size() < 2) return absl::UnimplementedError("needs data and indices");
    const DataType index_type = node.inputs[1].dtype;
    if (index_type != DataType::kInt32 && index_type != DataType::kInt64) {
      return absl::UnimplementedError(
          absl::StrCat("indices are ", DataTypeName(index_type), "; expected int32 or int64"));
    }
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("data and output types differ");
    }
    return GatherParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<GatherParams> params = GatherParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    int64_t axis = params->axis;
    if (axis < -rank || axis >= rank) {
      return node.Error("axis ", axis, " is out of range for data of rank ", rank);
    }
    if (axis < 0) axis += rank;
    return std::unique_ptr<Kernel>(std::make_unique<GatherKernel>(axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<GatherTactic>());

}  // namespace cuda
}  // namespace kiln
