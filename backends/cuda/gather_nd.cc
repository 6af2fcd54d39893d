// cuda GatherND: one kernel (kernels::GatherND), one thread per output
// element; any data dtype (bit-exact), int32 or int64 indices read on the
// device, batch_dims as cpu_ref. Run validates nothing, so it cannot report
// an out-of-range coordinate as cpu_ref does (that would need a
// device-to-host sync): such a tuple writes a slice of zero bytes instead.
// Valid indices give cpu_ref's result bit for bit.
#include "ops/gather_nd.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/indexing.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class GatherNDKernel : public Kernel {
 public:
  explicit GatherNDKernel(int64_t batch_dims) : batch_dims_(batch_dims) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data = args.input_descs[0];
    const TensorDesc& indices = args.input_descs[1];
    const int64_t r = data.rank(), b = batch_dims_;
    const int64_t k = indices.dims.back();
    kernels::GatherNDShape shape;
    shape.k = static_cast<int>(k);
    shape.batches = 1;
    for (int64_t d = 0; d < b; ++d) shape.batches *= data.dims[d];
    shape.slice = 1;
    for (int64_t d = b + k; d < r; ++d) shape.slice *= data.dims[d];
    int64_t stride = shape.slice;
    for (int64_t j = k - 1; j >= 0; --j) {
      shape.sizes[j] = data.dims[b + j];
      shape.strides[j] = stride;
      stride *= data.dims[b + j];
    }
    shape.batch_stride = stride;
    shape.tuples = shape.batches == 0 ? 0 : indices.volume() / k / shape.batches;
    KILN_CUDA_RETURN_IF_ERROR(kernels::GatherND(
        static_cast<int>(DataTypeSize(data.dtype)), shape, args.inputs[0], args.inputs[1],
        indices.dtype == DataType::kInt64, args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  int64_t batch_dims_;
};

class GatherNDTactic : public CudaTactic {
 public:
  GatherNDTactic()
      : CudaTactic("cuda.gather_nd.kernel.any", kGatherNDOp, /*accepts_nhwc=*/false,
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
    const Dims& index_dims = node.inputs[1].dims;
    if (index_dims.empty() || index_dims.back() < 1 || index_dims.back() > kernels::kMaxRank) {
      return absl::UnimplementedError(
          absl::StrCat("indices ", DimsString(index_dims), ": the last dim must be 1..",
                       kernels::kMaxRank));
    }
    return GatherNDParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<GatherNDParams> params = GatherNDParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<GatherNDKernel>(params->batch_dims));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<GatherNDTactic>());

}  // namespace cuda
}  // namespace kiln
