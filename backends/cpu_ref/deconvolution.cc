// cpu_ref Deconvolution: cpu_ref.deconvolution.direct, the oracle. Each input
// pixel scatters (adds) its value times every filter tap into the output.
#include "ops/deconvolution.h"

#include <algorithm>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

class DirectDeconvolutionKernel : public Fp32Kernel {
 public:
  explicit DirectDeconvolutionKernel(DeconvolutionParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const Dims& w = args.input_descs[1].dims;
    const Dims& y = args.output_descs[0].dims;
    const int64_t batches = x[0], channels = x[1], height = x[2], width = x[3];
    const int64_t out_per_group = w[1], kernel_h = w[2], kernel_w = w[3];
    const int64_t out_channels = y[1], out_h = y[2], out_w = y[3];
    const int64_t in_per_group = channels / params_.group;
    const int64_t stride_h = params_.strides[0], stride_w = params_.strides[1];
    const int64_t dilation_h = params_.dilations[0], dilation_w = params_.dilations[1];
    const int64_t pad_top = params_.pads[0], pad_left = params_.pads[1];
    const auto* input = static_cast<const float*>(args.inputs[0]);
    const auto* filter = static_cast<const float*>(args.inputs[1]);
    const auto* bias = args.inputs.size() > 2 ? static_cast<const float*>(args.inputs[2]) : nullptr;
    auto* output = static_cast<float*>(args.outputs[0]);

    for (int64_t batch = 0; batch < batches; ++batch) {
      for (int64_t out_c = 0; out_c < out_channels; ++out_c) {
        float* out = output + (batch * out_channels + out_c) * out_h * out_w;
        std::fill(out, out + out_h * out_w, bias != nullptr ? bias[out_c] : 0.0f);
      }
      // One (input channel, output channel, tap) at a time over a whole input
      // plane, so the innermost loop walks an input row and an output row.
      for (int64_t in_c = 0; in_c < channels; ++in_c) {
        const int64_t g = in_c / in_per_group;
        const float* in = input + (batch * channels + in_c) * height * width;
        for (int64_t k = 0; k < out_per_group; ++k) {
          const int64_t out_c = g * out_per_group + k;
          float* out = output + (batch * out_channels + out_c) * out_h * out_w;
          for (int64_t filter_y = 0; filter_y < kernel_h; ++filter_y) {
            const TapRange rows =
                ValidTapRange(height, out_h, stride_h, pad_top, filter_y * dilation_h);
            for (int64_t filter_x = 0; filter_x < kernel_w; ++filter_x) {
              const TapRange cols =
                  ValidTapRange(width, out_w, stride_w, pad_left, filter_x * dilation_w);
              const float weight =
                  filter[((in_c * out_per_group + k) * kernel_h + filter_y) * kernel_w + filter_x];
              for (int64_t in_y = rows.begin; in_y < rows.end; ++in_y) {
                const int64_t out_y = in_y * stride_h - pad_top + filter_y * dilation_h;
                const float* in_row = in + in_y * width;
                float* out_row = out + out_y * out_w;
                for (int64_t in_x = cols.begin; in_x < cols.end; ++in_x) {
                  const int64_t out_x = in_x * stride_w - pad_left + filter_x * dilation_w;
                  out_row[out_x] += weight * in_row[in_x];
                }
              }
            }
          }
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  DeconvolutionParams params_;
};

class DirectDeconvolutionTactic : public Fp32Tactic {
 public:
  DirectDeconvolutionTactic()
      : Fp32Tactic("cpu_ref.deconvolution.direct", kDeconvolutionOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(DeconvolutionParams params, DeconvolutionParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DirectDeconvolutionKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DirectDeconvolutionTactic>());

}  // namespace cpu_ref
}  // namespace kiln
