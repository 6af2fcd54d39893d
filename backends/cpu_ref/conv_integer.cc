// cpu_ref ConvInteger: the direct int32 loop (TFLite reference style).
// Products are summed in uint32 so that overflow wraps (defined behaviour).
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/conv_integer.h"

namespace kiln {
namespace cpu_ref {
namespace {

class ConvIntegerKernel : public Kernel {
 public:
  explicit ConvIntegerKernel(const ConvIntegerParams& params) : params_(params) {}

  absl::Status Run(const KernelArgs& args) const override {
    const Dims& x_dims = args.input_descs[0].dims;
    const Dims& w_dims = args.input_descs[1].dims;
    const Dims& out_dims = args.output_descs[0].dims;
    const int64_t batches = x_dims[0], in_channels = x_dims[1];
    const int64_t in_height = x_dims[2], in_width = x_dims[3];
    const int64_t out_channels = w_dims[0], group_channels = w_dims[1];
    const int64_t filter_height = w_dims[2], filter_width = w_dims[3];
    const int64_t out_height = out_dims[2], out_width = out_dims[3];
    const int64_t out_per_group = out_channels / params_.group;
    const auto* input = static_cast<const int32_t*>(args.inputs[0]);
    const auto* filter = static_cast<const int32_t*>(args.inputs[1]);
    auto* output = static_cast<int32_t*>(args.outputs[0]);
    for (int64_t b = 0; b < batches; ++b) {
      for (int64_t out_c = 0; out_c < out_channels; ++out_c) {
        const int64_t first_in_c = out_c / out_per_group * group_channels;
        for (int64_t out_y = 0; out_y < out_height; ++out_y) {
          for (int64_t out_x = 0; out_x < out_width; ++out_x) {
            uint32_t sum = 0;
            for (int64_t c = 0; c < group_channels; ++c) {
              const int32_t* in_plane =
                  input + (b * in_channels + first_in_c + c) * in_height * in_width;
              const int32_t* filter_plane =
                  filter + (out_c * group_channels + c) * filter_height * filter_width;
              for (int64_t filter_y = 0; filter_y < filter_height; ++filter_y) {
                const int64_t in_y = out_y * params_.strides[0] - params_.pads[0] +
                                     filter_y * params_.dilations[0];
                if (in_y < 0 || in_y >= in_height) continue;
                for (int64_t filter_x = 0; filter_x < filter_width; ++filter_x) {
                  const int64_t in_x = out_x * params_.strides[1] - params_.pads[1] +
                                       filter_x * params_.dilations[1];
                  if (in_x < 0 || in_x >= in_width) continue;
                  sum += static_cast<uint32_t>(in_plane[in_y * in_width + in_x]) *
                         static_cast<uint32_t>(filter_plane[filter_y * filter_width + filter_x]);
                }
              }
            }
            output[((b * out_channels + out_c) * out_height + out_y) * out_width + out_x] =
                static_cast<int32_t>(sum);
          }
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  ConvIntegerParams params_;
};

class ConvIntegerTactic : public Tactic {
 public:
  ConvIntegerTactic()
      : Tactic(TacticInfo{"cpu_ref.conv_integer.direct", kConvIntegerOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<ConvIntegerParams> params = ConvIntegerParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<ConvIntegerKernel>(*params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<ConvIntegerTactic>());

}  // namespace cpu_ref
}  // namespace kiln
