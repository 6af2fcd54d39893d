// cuda EmbeddingLayerNorm: one warp per row (kernels/norm.cu,
// EmbedLayerNorm): the ids read, the table rows gathered and summed in fp32
// with the addend, LayerNorm's statistics in double, rounded once at Y, as
// cpu_ref's reference; embedding widths up to 1024.
#include "ops/embedding_layer_norm.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/norm.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

const void* OptionalInput(const KernelArgs& args, int i) {
  return static_cast<int>(args.inputs.size()) > i ? args.inputs[i] : nullptr;
}

class EmbeddingLayerNormKernel : public Kernel {
 public:
  EmbeddingLayerNormKernel(DataType dtype, EmbeddingLayerNormParams params)
      : dtype_(dtype), params_(params) {}
  absl::Status Run(const KernelArgs& args) const override {
    kernels::EmbedLayerNormShape shape;
    const TensorDesc& table = args.input_descs[kEmbedTable];
    shape.rows = args.input_descs[kEmbedIds].volume();
    shape.width = static_cast<int>(table.dims[1]);
    shape.table_rows = table.dims[0];
    shape.ids_64 = args.input_descs[kEmbedIds].dtype == DataType::kInt64;
    const void* segment_ids = OptionalInput(args, kEmbedSegmentIds);
    if (segment_ids != nullptr) {
      shape.segment_rows = args.input_descs[kEmbedSegmentTable].dims[0];
      shape.segment_ids_64 = args.input_descs[kEmbedSegmentIds].dtype == DataType::kInt64;
    }
    const void* addend = OptionalInput(args, kEmbedAddend);
    if (addend != nullptr && shape.width > 0) {
      shape.addend_rows = args.input_descs[kEmbedAddend].volume() / shape.width;
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::EmbedLayerNorm(
        static_cast<int>(dtype_), shape, params_.epsilon, args.inputs[kEmbedIds],
        args.inputs[kEmbedTable], segment_ids, OptionalInput(args, kEmbedSegmentTable), addend,
        args.inputs[kEmbedScale], OptionalInput(args, kEmbedBias), args.outputs[0],
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  DataType dtype_;
  EmbeddingLayerNormParams params_;
};

class EmbeddingLayerNormTactic : public CudaTactic {
 public:
  explicit EmbeddingLayerNormTactic(DataType dtype)
      : CudaTactic(absl::StrCat("cuda.embedding_layer_norm.kernel.", DataTypeName(dtype)),
                   kEmbeddingLayerNormOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}
  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    const TensorDesc& table = node.inputs[kEmbedTable];
    if (table.dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("Table is ", DataTypeName(table.dtype),
                                                   "; this tactic is ", DataTypeName(dtype_)));
    }
    if (table.rank() != 2 || table.dims[1] > kernels::kEmbedLayerNormMaxWidth) {
      return absl::UnimplementedError(absl::StrCat("embedding width ", table.dims.back(),
                                                   "; the kernel takes at most ",
                                                   kernels::kEmbedLayerNormMaxWidth));
    }
    return EmbeddingLayerNormParams::FromAttrs(node.attrs).status();
  }
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(EmbeddingLayerNormParams params,
                          EmbeddingLayerNormParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<EmbeddingLayerNormKernel>(dtype_, params));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<EmbeddingLayerNormTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<EmbeddingLayerNormTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
