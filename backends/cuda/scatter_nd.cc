// cuda ScatterND: the data copied to the output, then one kernel
// (kernels::ScatterND) with one thread per element of a slice, each walking
// every index tuple in order: slice elements write disjoint outputs, so
// duplicate tuples give cpu_ref's result ("none": the last wins; reductions
// combine in tuple order, fp16 in fp32 rounded after each update). This is
// correct first, not fast: a scatter of single elements (k = data rank) runs
// on one thread. One tactic per precision: fp32, fp16, and int
// (int8/int32/int64, and bool for "none"). Run validates nothing, so it
// cannot report an out-of-range coordinate as cpu_ref does (that would need a
// device-to-host sync): such a tuple is skipped instead. Valid indices give
// cpu_ref's result bit for bit.
#include "ops/scatter_nd.h"

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

// The kernels' reduction code (kiln::ScatterReduction's order), or -1.
int ReductionCode(const std::string& r) {
  if (r == "none") return 0;
  if (r == "add") return 1;
  if (r == "mul") return 2;
  if (r == "max") return 3;
  if (r == "min") return 4;
  return -1;
}

class ScatterNDKernel : public Kernel {
 public:
  explicit ScatterNDKernel(int reduction) : reduction_(reduction) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& data = args.input_descs[0];
    const TensorDesc& indices = args.input_descs[1];
    cudaStream_t stream = ResourcesOf(args).stream();
    if (data.bytes() == 0) return absl::OkStatus();
    if (args.outputs[0] != args.inputs[0]) {
      KILN_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(args.outputs[0], args.inputs[0], data.bytes(),
                                                cudaMemcpyDeviceToDevice, stream));
    }
    const int64_t r = data.rank(), k = indices.dims.back();
    kernels::GatherNDShape shape;
    shape.k = static_cast<int>(k);
    shape.batches = 1;
    shape.slice = 1;
    for (int64_t d = k; d < r; ++d) shape.slice *= data.dims[d];
    int64_t stride = shape.slice;
    for (int64_t j = k - 1; j >= 0; --j) {
      shape.sizes[j] = data.dims[j];
      shape.strides[j] = stride;
      stride *= data.dims[j];
    }
    shape.tuples = indices.volume() / k;
    KILN_CUDA_RETURN_IF_ERROR(kernels::ScatterND(
        static_cast<int>(data.dtype), reduction_, shape, args.inputs[1],
        indices.dtype == DataType::kInt64, args.inputs[2], args.outputs[0], stream));
    return absl::OkStatus();
  }

 private:
  int reduction_;
};

class ScatterNDTactic : public CudaTactic {
 public:
  ScatterNDTactic(std::string name, Precision precision)
      : CudaTactic(std::move(name), kScatterNDOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        precision_(precision) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
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
    const Dims& index_dims = node.inputs[1].dims;
    if (index_dims.empty() || index_dims.back() < 1 || index_dims.back() > kernels::kMaxRank) {
      return absl::UnimplementedError(absl::StrCat(
          "indices ", DimsString(index_dims), ": the last dim must be 1..", kernels::kMaxRank));
    }
    KILN_ASSIGN_OR_RETURN(ScatterNDParams params, ScatterNDParams::FromAttrs(node.attrs));
    const int reduction = ReductionCode(params.reduction);
    if (reduction < 0) {
      return absl::UnimplementedError(absl::StrCat("reduction '", params.reduction, "'"));
    }
    if (reduction != 0 && dtype == DataType::kBool) {
      return absl::UnimplementedError("reductions over bool are not defined");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ScatterNDParams> params = ScatterNDParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    const int reduction = ReductionCode(params->reduction);
    if (reduction < 0) return node.Error("unknown reduction '", params->reduction, "'");
    return std::unique_ptr<Kernel>(std::make_unique<ScatterNDKernel>(reduction));
  }

 private:
  Precision precision_;
};

}  // namespace

KILN_REGISTER_TACTIC(
    std::make_unique<ScatterNDTactic>("cuda.scatter_nd.kernel.fp32", Precision::kFp32));
KILN_REGISTER_TACTIC(
    std::make_unique<ScatterNDTactic>("cuda.scatter_nd.kernel.fp16", Precision::kFp16));
KILN_REGISTER_TACTIC(
    std::make_unique<ScatterNDTactic>("cuda.scatter_nd.kernel.int", Precision::kInt));

}  // namespace cuda
}  // namespace kiln
