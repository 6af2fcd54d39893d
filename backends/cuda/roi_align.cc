// cuda RoiAlign: kiln's own kernel (kernels/roi_align.cu), cpu_ref's
// arithmetic for both modes and coordinate transforms. One tactic per
// precision (X, rois and the output share it); int32 or int64 batch indices.
// Run validates nothing, so it cannot report a batch index outside X as
// cpu_ref does (that would need a device-to-host sync): such a roi's output
// is written as zeros instead. Valid indices give cpu_ref's result.
#include "ops/roi_align.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class RoiAlignKernel : public Kernel {
 public:
  RoiAlignKernel(const RoiAlignParams& params, bool fp16) : fp16_(fp16) {
    shape_.out_h = params.output_height;
    shape_.out_w = params.output_width;
    shape_.sampling_ratio = params.sampling_ratio;
    shape_.spatial_scale = params.spatial_scale;
    shape_.half_pixel = params.coordinate_transformation_mode == "half_pixel";
    shape_.max_mode = params.mode == "max";
  }

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    kernels::RoiAlignShape s = shape_;
    s.batch = x[0];
    s.channels = x[1];
    s.height = x[2];
    s.width = x[3];
    s.num_rois = args.input_descs[1].dims[0];
    KILN_CUDA_RETURN_IF_ERROR(kernels::RoiAlign(
        s, fp16_, args.inputs[0], args.inputs[1], args.inputs[2],
        args.input_descs[2].dtype == DataType::kInt64, args.outputs[0],
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  kernels::RoiAlignShape shape_;
  bool fp16_;
};

class RoiAlignTactic : public CudaTactic {
 public:
  explicit RoiAlignTactic(DataType dtype)
      : CudaTactic(dtype == DataType::kFloat16 ? "cuda.roi_align.kernel.fp16"
                                               : "cuda.roi_align.kernel.fp32",
                   kRoiAlignOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.size() < 3) {
      return absl::UnimplementedError("needs X, rois and batch_indices");
    }
    for (const TensorDesc* t : {&node.inputs[0], &node.inputs[1], &node.outputs[0]}) {
      if (t->dtype != dtype_) {
        return absl::UnimplementedError(absl::StrCat("this tactic is ", DataTypeName(dtype_),
                                                     " only (X, rois and output); '", t->name,
                                                     "' is ", DataTypeName(t->dtype)));
      }
    }
    const DataType indices = node.inputs[2].dtype;
    if (indices != DataType::kInt32 && indices != DataType::kInt64) {
      return absl::UnimplementedError(
          absl::StrCat("batch_indices is ", DataTypeName(indices), "; expected int32 or int64"));
    }
    if (node.inputs[0].rank() != 4) return absl::UnimplementedError("X is not 4-D NCHW");
    return RoiAlignParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<RoiAlignParams> params = RoiAlignParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(
        std::make_unique<RoiAlignKernel>(*params, dtype_ == DataType::kFloat16));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<RoiAlignTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<RoiAlignTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
