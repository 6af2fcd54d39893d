// cpu_ref Pooling: cpu_ref.pooling.direct, the oracle. One loop over each
// window per output element.
#include "ops/pooling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

class DirectPoolingKernel : public Fp32Kernel {
 public:
  explicit DirectPoolingKernel(PoolingParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const Dims& y = args.output_descs[0].dims;
    const int64_t planes = x[0] * x[1], height = x[2], width = x[3];
    const int64_t out_h = y[2], out_w = y[3];
    const int64_t kernel_h = params_.kernel[0], kernel_w = params_.kernel[1];
    const int64_t pad_top = params_.pads[0], pad_left = params_.pads[1];
    const int64_t pad_bottom = params_.pads[2], pad_right = params_.pads[3];
    const auto* input = static_cast<const float*>(args.inputs[0]);
    auto* output = static_cast<float*>(args.outputs[0]);

    for (int64_t plane = 0; plane < planes; ++plane) {
      const float* in = input + plane * height * width;
      float* out = output + plane * out_h * out_w;
      for (int64_t out_y = 0; out_y < out_h; ++out_y) {
        // The window in padded coordinates, then clipped to the input.
        const int64_t window_y = out_y * params_.strides[0] - pad_top;
        const int64_t y_begin = std::max<int64_t>(window_y, 0);
        const int64_t y_end = std::min(window_y + kernel_h, height);
        for (int64_t out_x = 0; out_x < out_w; ++out_x) {
          const int64_t window_x = out_x * params_.strides[1] - pad_left;
          const int64_t x_begin = std::max<int64_t>(window_x, 0);
          const int64_t x_end = std::min(window_x + kernel_w, width);
          float result;
          if (params_.type == PoolingType::kMax) {
            result = -std::numeric_limits<float>::infinity();
            for (int64_t in_y = y_begin; in_y < y_end; ++in_y) {
              for (int64_t in_x = x_begin; in_x < x_end; ++in_x) {
                const float v = in[in_y * width + in_x];
                // NaN propagates, as in ONNX Runtime and PyTorch.
                if (v > result || std::isnan(v)) result = v;
              }
            }
          } else {
            float sum = 0.0f;
            for (int64_t in_y = y_begin; in_y < y_end; ++in_y) {
              for (int64_t in_x = x_begin; in_x < x_end; ++in_x) sum += in[in_y * width + in_x];
            }
            // With padding counted, the window is still clipped at the end
            // of the bottom/right padding (a ceil-mode window can pass it).
            const int64_t count =
                params_.count_include_pad
                    ? (std::min(window_y + kernel_h, height + pad_bottom) - window_y) *
                          (std::min(window_x + kernel_w, width + pad_right) - window_x)
                    : (y_end - y_begin) * (x_end - x_begin);
            result = sum / static_cast<float>(count);
          }
          out[out_y * out_w + out_x] = result;
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  PoolingParams params_;
};

class DirectPoolingTactic : public Fp32Tactic {
 public:
  DirectPoolingTactic() : Fp32Tactic("cpu_ref.pooling.direct", kPoolingOp, /*is_reference=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(PoolingParams params, PoolingParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DirectPoolingKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectPoolingTactic>());

}  // namespace cpu_ref
}  // namespace kiln
