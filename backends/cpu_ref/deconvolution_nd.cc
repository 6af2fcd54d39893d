// cpu_ref DeconvolutionNd: the plain scatter loop over every input element
// and kernel tap, N-D through odometers (the 2-D Deconvolution op has the
// fast tactics; this one serves 3-D and higher ConvTranspose).
#include <cstdint>
#include <cstring>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/deconvolution_nd.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Advances `index` (within `limits`) in row-major order; false after the last.
bool Next(SmallDims& index, const SmallDims& limits) {
  for (int64_t d = static_cast<int64_t>(index.size()) - 1; d >= 0; --d) {
    if (++index[d] < limits[d]) return true;
    index[d] = 0;
  }
  return false;
}

class DeconvolutionNdKernel : public Fp32Kernel {
 public:
  explicit DeconvolutionNdKernel(DeconvolutionNdParams params) : params_(std::move(params)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const Dims& w = args.input_descs[1].dims;
    const Dims& y = args.output_descs[0].dims;
    const int64_t k = static_cast<int64_t>(x.size()) - 2;
    const int64_t batches = x[0], in_channels = x[1], out_channels = y[1];
    const int64_t group_in = in_channels / params_.group, group_out = w[1];
    SmallDims in_size(k), out_size(k), kernel(k);
    int64_t in_volume = 1, out_volume = 1, kernel_volume = 1;
    for (int64_t d = 0; d < k; ++d) {
      in_size[d] = x[2 + d];
      out_size[d] = y[2 + d];
      kernel[d] = w[2 + d];
      in_volume *= in_size[d];
      out_volume *= out_size[d];
      kernel_volume *= kernel[d];
    }
    const auto* input = static_cast<const float*>(args.inputs[0]);
    const auto* filter = static_cast<const float*>(args.inputs[1]);
    const auto* bias = args.inputs.size() > 2 ? static_cast<const float*>(args.inputs[2]) : nullptr;
    auto* output = static_cast<float*>(args.outputs[0]);
    for (int64_t b = 0; b < batches; ++b) {
      for (int64_t out_c = 0; out_c < out_channels; ++out_c) {
        float* out = output + (b * out_channels + out_c) * out_volume;
        const float init = bias != nullptr ? bias[out_c] : 0.0f;
        for (int64_t i = 0; i < out_volume; ++i) out[i] = init;
      }
      for (int64_t in_c = 0; in_c < in_channels; ++in_c) {
        const int64_t g = in_c / group_in;
        const float* in = input + (b * in_channels + in_c) * in_volume;
        SmallDims in_pos(k, 0);
        int64_t in_index = 0;
        do {
          const float v = in[in_index++];
          SmallDims tap(k, 0);
          int64_t tap_index = 0;
          do {
            int64_t offset = 0;
            bool inside = true;
            for (int64_t d = 0; d < k && inside; ++d) {
              const int64_t out_pos = in_pos[d] * params_.strides[d] - params_.pads[d] +
                                      tap[d] * params_.dilations[d];
              inside = out_pos >= 0 && out_pos < out_size[d];
              offset = offset * out_size[d] + out_pos;
            }
            if (inside) {
              for (int64_t m = 0; m < group_out; ++m) {
                const int64_t out_c = g * group_out + m;
                output[(b * out_channels + out_c) * out_volume + offset] +=
                    v * filter[(in_c * group_out + m) * kernel_volume + tap_index];
              }
            }
            ++tap_index;
          } while (Next(tap, kernel));
        } while (Next(in_pos, in_size));
      }
    }
    return absl::OkStatus();
  }

 private:
  DeconvolutionNdParams params_;
};

class DeconvolutionNdTactic : public Fp32Tactic {
 public:
  DeconvolutionNdTactic()
      : Fp32Tactic("cpu_ref.deconvolution_nd.direct", kDeconvolutionNdOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<DeconvolutionNdParams> params = DeconvolutionNdParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    absl::Status resolved = params->Resolve(node.inputs[0].dims.size() - 2);
    if (!resolved.ok()) return node.Error(resolved.message());
    return std::unique_ptr<Kernel>(std::make_unique<DeconvolutionNdKernel>(*std::move(params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DeconvolutionNdTactic>());

}  // namespace cpu_ref
}  // namespace kiln
