// cuda GridSample: kiln's own kernel (kernels/grid_sample.cu) with cpu_ref's
// arithmetic for every mode, padding mode and align_corners, any number of
// spatial dims up to kMaxSpatial. One tactic per precision (X, grid and the
// output share it).
#include "ops/grid_sample.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

class GridSampleKernel : public Kernel {
 public:
  GridSampleKernel(const GridSampleParams& params, bool fp16) : fp16_(fp16) {
    // FromAttrs has mapped bilinear / bicubic to linear / cubic.
    mode_ = params.mode == "nearest" ? 0 : params.mode == "cubic" ? 2 : 1;
    padding_ = params.padding_mode == "border" ? 1 : params.padding_mode == "reflection" ? 2 : 0;
    align_corners_ = params.align_corners;
  }

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const Dims& y = args.output_descs[0].dims;
    kernels::GridSampleShape s;
    s.rank = static_cast<int>(x.size()) - 2;
    s.mode = mode_;
    s.padding = padding_;
    s.align_corners = align_corners_;
    s.batch = x[0];
    s.channels = x[1];
    for (int d = 0; d < s.rank; ++d) {
      s.in[d] = x[2 + d];
      s.out[d] = y[2 + d];
    }
    KILN_CUDA_RETURN_IF_ERROR(kernels::GridSample(s, fp16_, args.inputs[0], args.inputs[1],
                                                  args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  bool fp16_;
  int mode_;
  int padding_;
  bool align_corners_;
};

class GridSampleTactic : public CudaTactic {
 public:
  explicit GridSampleTactic(DataType dtype)
      : CudaTactic(dtype == DataType::kFloat16 ? "cuda.grid_sample.kernel.fp16"
                                               : "cuda.grid_sample.kernel.fp32",
                   kGridSampleOp, /*accepts_nhwc=*/false, /*dynamic_shapes=*/true),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.size() < 2) return absl::UnimplementedError("needs X and grid");
    for (const TensorDesc* t : {&node.inputs[0], &node.inputs[1], &node.outputs[0]}) {
      if (t->dtype != dtype_) {
        return absl::UnimplementedError(absl::StrCat("this tactic is ", DataTypeName(dtype_),
                                                     " only (X, grid and output); '", t->name,
                                                     "' is ", DataTypeName(t->dtype)));
      }
    }
    if (node.inputs[0].rank() - 2 > kernels::kMaxSpatial) {
      return absl::UnimplementedError(absl::StrCat(node.inputs[0].rank() - 2,
                                                   " spatial dims; at most ",
                                                   kernels::kMaxSpatial, " are supported"));
    }
    return GridSampleParams::FromAttrs(node.attrs).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<GridSampleParams> params = GridSampleParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(
        std::make_unique<GridSampleKernel>(*params, dtype_ == DataType::kFloat16));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<GridSampleTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<GridSampleTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
