// cuda GatherElements: one kernel (kernels::GatherElements), one thread per
// output element; any data dtype (bit-exact), int32 or int64 indices read on
// the device. Run validates nothing, so it cannot report an out-of-range
// index as cpu_ref does (that would need a device-to-host sync): such an
// index writes zero bytes instead. Valid indices give cpu_ref's result bit
// for bit.
#include "ops/gather_elements.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// The shape a GatherElements or ScatterElements kernel walks: indices' dims,
// data's row-major strides.
kernels::ElementsShape MakeElementsShape(const TensorDesc& data, const TensorDesc& indices,
                                         int64_t axis) {
  kernels::ElementsShape shape;
  shape.rank = static_cast<int>(data.rank());
  shape.axis = static_cast<int>(axis);
  shape.axis_size = data.dims[axis];
  int64_t stride = 1;
  for (int d = shape.rank - 1; d >= 0; --d) {
    shape.idx_dims[d] = indices.dims[d];
    shape.data_strides[d] = stride;
    stride *= data.dims[d];
  }
  return shape;
}

class GatherElementsKernel : public Kernel {
 public:
  explicit GatherElementsKernel(int64_t axis) : axis_(axis) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data = args.input_descs[0];
    const TensorDesc& indices = args.input_descs[1];
    KILN_CUDA_RETURN_IF_ERROR(kernels::GatherElements(
        static_cast<int>(DataTypeSize(data.dtype)), MakeElementsShape(data, indices, axis_),
        args.inputs[0], args.inputs[1], indices.dtype == DataType::kInt64, args.outputs[0],
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  int64_t axis_;  // non-negative
};

class GatherElementsTactic : public CudaTactic {
 public:
  GatherElementsTactic()
      : CudaTactic("cuda.gather_elements.kernel.any", kGatherElementsOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    if (node.inputs.size() < 2) return absl::UnimplementedError("needs data and indices");
    const DataType index_type = node.inputs[1].dtype;
    if (index_type != DataType::kInt32 && index_type != DataType::kInt64) {
      return absl::UnimplementedError(
          absl::StrCat("indices are ", DataTypeName(index_type), "; expected int32 or int64"));
    }
    if (node.inputs[0].dtype != node.outputs[0].dtype) {
      return absl::UnimplementedError("data and output types differ");
    }
    if (node.inputs[0].rank() != node.inputs[1].rank()) {
      return absl::UnimplementedError("data and indices ranks differ");
    }
    return GatherElementsParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<GatherElementsParams> params = GatherElementsParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (params->axis < -rank || params->axis >= rank) {
      return node.Error("axis ", params->axis, " is out of range for data of rank ", rank);
    }
    const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
    return std::unique_ptr<Kernel>(std::make_unique<GatherElementsKernel>(axis));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<GatherElementsTactic>());

}  // namespace cuda
}  // namespace kiln
