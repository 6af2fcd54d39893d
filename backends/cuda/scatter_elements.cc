// cuda ScatterElements: the data copied to the output, then one kernel
// (kernels::ScatterElements) with one thread per line of indices along the
// axis: lines write disjoint outputs and each applies its updates in order,
// so duplicate indices give cpu_ref's result ("none": the last update wins;
// reductions combine in index order, fp16 in fp32 rounded after each update).
// One tactic per precision: fp32, fp16, and int (int8/int32/int64, and bool
// for "none"). Run validates nothing, so it cannot report an out-of-range
// index as cpu_ref does (that would need a device-to-host sync): such an
// update is skipped instead. Valid indices give cpu_ref's result bit for bit.
#include "ops/scatter_elements.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

enum class Precision { kFp32, kFp16, kInt };

bool Covers(Precision p, DataType t) {
  switch (p) {
    case Precision::kFp32: return t == DataType::kFloat32;
    case Precision::kFp16: return t == DataType::kFloat16;
    case Precision::kInt:
      return t == DataType::kInt8 || t == DataType::kInt32 || t == DataType::kInt64 ||
             t == DataType::kBool;
  }
  return false;
}

class ScatterElementsKernel : public Kernel {
 public:
  ScatterElementsKernel(int64_t axis, ScatterReduction reduction)
      : axis_(axis), reduction_(reduction) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data = args.input_descs[0];
    const TensorDesc& indices = args.input_descs[1];
    cudaStream_t stream = ResourcesOf(args).stream();
    if (data.bytes() == 0) return absl::OkStatus();
    if (args.outputs[0] != args.inputs[0]) {
      KILN_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(args.outputs[0], args.inputs[0], data.bytes(),
                                                cudaMemcpyDeviceToDevice, stream));
    }
    kernels::ElementsShape shape;
    shape.rank = static_cast<int>(data.rank());
    shape.axis = static_cast<int>(axis_);
    shape.axis_size = data.dims[axis_];
    int64_t stride = 1;
    for (int d = shape.rank - 1; d >= 0; --d) {
      shape.idx_dims[d] = indices.dims[d];
      shape.data_strides[d] = stride;
      stride *= data.dims[d];
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::ScatterElements(
        static_cast<int>(data.dtype), static_cast<int>(reduction_), shape, args.inputs[1],
        indices.dtype == DataType::kInt64, args.inputs[2], args.outputs[0], stream));
    return absl::OkStatus();
  }

 private:
  int64_t axis_;  // non-negative
  ScatterReduction reduction_;
};

class ScatterElementsTactic : public CudaTactic {
 public:
  ScatterElementsTactic(std::string name, Precision precision)
      : CudaTactic(std::move(name), kScatterElementsOp, /*accepts_nhwc=*/false,
                   /*dynamic_shapes=*/true),
        precision_(precision) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    KILN_RETURN_IF_ERROR(RequireRankAtMost(node, kernels::kMaxRank));
    if (node.inputs.size() < 3) return absl::UnimplementedError("needs data, indices, updates");
    const DataType dtype = node.inputs[0].dtype;
    if (!Covers(precision_, dtype)) {
      return absl::UnimplementedError(
          absl::StrCat("data is ", DataTypeName(dtype), "; not this tactic's precision"));
    }
    const DataType index_type = node.inputs[1].dtype;
    if (index_type != DataType::kInt32 && index_type != DataType::kInt64) {
      return absl::UnimplementedError(
          absl::StrCat("indices are ", DataTypeName(index_type), "; expected int32 or int64"));
    }
    KILN_ASSIGN_OR_RETURN(ScatterElementsParams params,
                          ScatterElementsParams::FromAttrs(node.attrs));
    if (params.reduction != ScatterReduction::kNone && dtype == DataType::kBool) {
      return absl::UnimplementedError("reductions over bool are not defined");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ScatterElementsParams> params = ScatterElementsParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int64_t rank = node.inputs[0].rank();
    if (params->axis < -rank || params->axis >= rank) {
      return node.Error("axis ", params->axis, " is out of range for data of rank ", rank);
    }
    const int64_t axis = params->axis < 0 ? params->axis + rank : params->axis;
    return std::unique_ptr<Kernel>(
        std::make_unique<ScatterElementsKernel>(axis, params->reduction));
  }

 private:
  Precision precision_;
};

}  // namespace

KILN_REGISTER_TACTIC(
    std::make_unique<ScatterElementsTactic>("cuda.scatter_elements.kernel.fp32", Precision::kFp32));
KILN_REGISTER_TACTIC(
    std::make_unique<ScatterElementsTactic>("cuda.scatter_elements.kernel.fp16", Precision::kFp16));
KILN_REGISTER_TACTIC(
    std::make_unique<ScatterElementsTactic>("cuda.scatter_elements.kernel.int", Precision::kInt));

}  // namespace cuda
}  // namespace kiln
