// cpu_ref RoiAlign, following ONNX's reference (onnx/reference/ops/
// op_roi_align.py, itself from onnxruntime): each output bin takes
// grid_h x grid_w bilinear samples at the centres of a regular sub-grid;
// samples more than one pixel outside the image count as 0; coordinates are
// clamped to the image edge.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/roi_align.h"

namespace kiln {
namespace cpu_ref {
namespace {

// The four corners of a bilinear sample and their weights (all 0 outside).
struct Sample {
  int64_t pos[4] = {0, 0, 0, 0};
  double weight[4] = {0, 0, 0, 0};
};

Sample BilinearSample(double y, double x, int64_t height, int64_t width) {
  Sample s;
  if (y < -1.0 || y > height || x < -1.0 || x > width) return s;
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  int64_t y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x);
  int64_t y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = static_cast<double>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = static_cast<double>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const double ly = y - y_low, lx = x - x_low;
  const double hy = 1.0 - ly, hx = 1.0 - lx;
  s.pos[0] = y_low * width + x_low;
  s.pos[1] = y_low * width + x_high;
  s.pos[2] = y_high * width + x_low;
  s.pos[3] = y_high * width + x_high;
  s.weight[0] = hy * hx;
  s.weight[1] = hy * lx;
  s.weight[2] = ly * hx;
  s.weight[3] = ly * lx;
  return s;
}

class RoiAlignKernel : public Fp32Kernel {
 public:
  explicit RoiAlignKernel(RoiAlignParams params) : params_(std::move(params)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const int64_t batch = x[0], channels = x[1], height = x[2], width = x[3];
    const int64_t num_rois = args.input_descs[1].dims[0];
    const int64_t out_h = params_.output_height, out_w = params_.output_width;
    const auto* input = static_cast<const float*>(args.inputs[0]);
    const auto* rois = static_cast<const float*>(args.inputs[1]);
    const bool int64_indices = args.input_descs[2].dtype == DataType::kInt64;
    auto* out = static_cast<float*>(args.outputs[0]);
    const bool half_pixel = params_.coordinate_transformation_mode == "half_pixel";
    const bool max_mode = params_.mode == "max";
    const double offset = half_pixel ? 0.5 : 0.0;
    const double scale = params_.spatial_scale;
    for (int64_t r = 0; r < num_rois; ++r) {
      const int64_t image = int64_indices ? static_cast<const int64_t*>(args.inputs[2])[r]
                                          : static_cast<const int32_t*>(args.inputs[2])[r];
      // Batch indices are data: an index outside X would read out of bounds.
      if (image < 0 || image >= batch) {
        return absl::InvalidArgumentError(absl::StrCat(
            "RoiAlign: batch_indices[", r, "] is ", image, "; X has ", batch, " images"));
      }
      const float* roi = rois + r * 4;
      const double start_w = roi[0] * scale - offset, start_h = roi[1] * scale - offset;
      const double end_w = roi[2] * scale - offset, end_h = roi[3] * scale - offset;
      double roi_w = end_w - start_w, roi_h = end_h - start_h;
      if (!half_pixel) {
        roi_w = std::max(roi_w, 1.0);
        roi_h = std::max(roi_h, 1.0);
      }
      const double bin_h = roi_h / out_h, bin_w = roi_w / out_w;
      const int64_t grid_h = params_.sampling_ratio > 0
                                 ? params_.sampling_ratio
                                 : static_cast<int64_t>(std::ceil(roi_h / out_h));
      const int64_t grid_w = params_.sampling_ratio > 0
                                 ? params_.sampling_ratio
                                 : static_cast<int64_t>(std::ceil(roi_w / out_w));
      const double count = static_cast<double>(std::max<int64_t>(grid_h * grid_w, 1));
      for (int64_t c = 0; c < channels; ++c) {
        const float* plane = input + (image * channels + c) * height * width;
        float* out_plane = out + (r * channels + c) * out_h * out_w;
        for (int64_t out_y = 0; out_y < out_h; ++out_y) {
          for (int64_t out_x = 0; out_x < out_w; ++out_x) {
            double sum = 0.0, max_value = 0.0;
            bool have_max = false;
            for (int64_t iy = 0; iy < grid_h; ++iy) {
              const double y = start_h + out_y * bin_h + (iy + 0.5) * bin_h / grid_h;
              for (int64_t ix = 0; ix < grid_w; ++ix) {
                const double x_pos = start_w + out_x * bin_w + (ix + 0.5) * bin_w / grid_w;
                const Sample s = BilinearSample(y, x_pos, height, width);
                if (max_mode) {
                  double value = s.weight[0] * plane[s.pos[0]];
                  for (int k = 1; k < 4; ++k) value = std::max(value, s.weight[k] * plane[s.pos[k]]);
                  max_value = have_max ? std::max(max_value, value) : value;
                  have_max = true;
                } else {
                  for (int k = 0; k < 4; ++k) sum += s.weight[k] * plane[s.pos[k]];
                }
              }
            }
            out_plane[out_y * out_w + out_x] =
                static_cast<float>(max_mode ? max_value : sum / count);
          }
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  RoiAlignParams params_;
};

class RoiAlignTactic : public Fp32Tactic {
 public:
  RoiAlignTactic()
      : Fp32Tactic("cpu_ref.roi_align.direct", kRoiAlignOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    if (!IsFloatType(node.inputs[0].dtype) || node.inputs[1].dtype != node.inputs[0].dtype) {
      return node.Error("X and rois must be both fp32 or both fp16");
    }
    const DataType indices = node.inputs[2].dtype;
    if (indices != DataType::kInt32 && indices != DataType::kInt64) {
      return node.Error("batch_indices is ", DataTypeName(indices), "; expected int32 or int64");
    }
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(RoiAlignParams params, RoiAlignParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<RoiAlignKernel>(std::move(params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<RoiAlignTactic>());

}  // namespace cpu_ref
}  // namespace kiln
