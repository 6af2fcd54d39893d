// cuda Resize: kiln's own kernel (kernels/resize.cu) reproducing cpu_ref's
// arithmetic for every mode, coordinate_transformation_mode, nearest_mode,
// exclude_outside and antialias; nearest is bit-exact with cpu_ref. One
// tactic per precision.
#include "ops/resize.h"

#include <algorithm>
#include <cmath>

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// kernels::Resize's enums (cpu_ref's order).
int ModeOf(const std::string& mode) {
  return mode == "linear" ? 1 : mode == "cubic" ? 2 : 0;
}

int TransformOf(const std::string& name) {
  if (name == "half_pixel_symmetric") return 1;
  if (name == "pytorch_half_pixel") return 2;
  if (name == "align_corners") return 3;
  if (name == "asymmetric") return 4;
  if (name == "tf_crop_and_resize") return 5;
  if (name == "tf_half_pixel_for_nn") return 6;
  return 0;  // half_pixel; FromAttrs accepted nothing else
}

int RoundingOf(const std::string& name) {
  if (name == "round_prefer_ceil") return 1;
  if (name == "floor") return 2;
  if (name == "ceil") return 3;
  return 0;  // round_prefer_floor
}

// Taps of one axis, as cpu_ref counts them (only antialias depends on scale).
int64_t TapCount(int mode, bool antialias, double scale) {
  if (mode == 0) return 2;
  if (!antialias) return mode == 1 ? 2 : 4;
  const double s = std::min(scale, 1.0);
  const double support = mode == 1 ? 1.0 : 2.0;
  const int64_t start = static_cast<int64_t>(std::floor(-support / s)) + 1;
  return 2 - 2 * start;
}

class ResizeKernel : public Kernel {
 public:
  explicit ResizeKernel(kernels::ResizeShape shape, bool fp16) : shape_(shape), fp16_(fp16) {}

  absl::Status Run(const KernelArgs& args) const override {
    // Only a (scaled) batch axis changes size at run time; the scale stays.
    kernels::ResizeShape s = shape_;
    for (int d = 0; d < s.rank; ++d) {
      s.in_dims[d] = args.input_descs[0].dims[d];
      s.out_dims[d] = args.output_descs[0].dims[d];
    }
    KILN_CUDA_RETURN_IF_ERROR(
        kernels::Resize(s, fp16_, args.inputs[0], args.outputs[0], ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  kernels::ResizeShape shape_;
  bool fp16_;
};

absl::StatusOr<kernels::ResizeShape> ShapeOf(const NodeContext& node) {
  KILN_ASSIGN_OR_RETURN(ResizeParams params, ResizeParams::FromAttrs(node.attrs));
  KILN_ASSIGN_OR_RETURN(std::vector<ResizeAxis> plan, PlanResize(params, node.inputs[0].dims));
  if (plan.size() > static_cast<size_t>(kernels::kResizeMaxRank)) {
    return absl::UnimplementedError(absl::StrCat("input has rank ", plan.size(), "; at most ",
                                                 kernels::kResizeMaxRank, " is supported"));
  }
  kernels::ResizeShape s;
  s.rank = static_cast<int>(plan.size());
  s.mode = ModeOf(params.mode);
  s.transform = TransformOf(params.coordinate_transformation_mode);
  s.rounding = RoundingOf(params.nearest_mode);
  s.cubic_coeff_a = params.cubic_coeff_a;
  s.exclude_outside = params.exclude_outside;
  s.antialias = params.antialias;
  s.extrapolation_value = params.extrapolation_value;
  int resized = 0;
  for (int d = 0; d < s.rank; ++d) {
    const ResizeAxis& a = plan[d];
    s.in_dims[d] = a.in_size;
    s.out_dims[d] = a.out_size;
    s.resized[d] = a.resized;
    s.scale[d] = a.scale;
    s.roi_start[d] = a.roi_start;
    s.roi_end[d] = a.roi_end;
    if (!a.resized) continue;
    ++resized;
    const int64_t taps = TapCount(s.mode, s.antialias, a.scale);
    if (taps > kernels::kResizeMaxTaps) {
      return absl::UnimplementedError(absl::StrCat(
          "antialiased ", params.mode, " downscaling of axis ", d, " by ", a.scale, " needs ",
          taps, " taps; this tactic supports at most ", kernels::kResizeMaxTaps));
    }
    s.taps[d] = static_cast<int>(taps);
  }
  if (resized > kernels::kResizeMaxResizedAxes) {
    return absl::UnimplementedError(absl::StrCat(resized, " axes are resized; at most ",
                                                 kernels::kResizeMaxResizedAxes,
                                                 " are supported"));
  }
  return s;
}

class ResizeTactic : public CudaTactic {
 public:
  explicit ResizeTactic(DataType dtype)
      : CudaTactic(dtype == DataType::kFloat16 ? "cuda.resize.kernel.fp16"
                                               : "cuda.resize.kernel.fp32",
                   kResizeOp),
        dtype_(dtype) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    if (node.inputs.empty() || node.inputs[0].dtype != dtype_ ||
        node.outputs[0].dtype != dtype_) {
      return absl::UnimplementedError(absl::StrCat("this tactic is ", DataTypeName(dtype_),
                                                   " only; input is ",
                                                   DataTypeName(node.inputs[0].dtype)));
    }
    return ShapeOf(node).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<kernels::ResizeShape> shape = ShapeOf(node);
    if (!shape.ok()) return node.Error(shape.status().message());
    return std::unique_ptr<Kernel>(
        std::make_unique<ResizeKernel>(*shape, dtype_ == DataType::kFloat16));
  }

 private:
  DataType dtype_;
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ResizeTactic>(DataType::kFloat32));
KILN_REGISTER_TACTIC(std::make_unique<ResizeTactic>(DataType::kFloat16));

}  // namespace cuda
}  // namespace kiln
