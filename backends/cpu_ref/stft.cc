// cpu_ref STFT: for each frame, the plain O(n^2) DFT of the windowed
// samples, accumulated in double (twiddle angles from (k * t) mod n).
#include <cmath>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/stft.h"

namespace kiln {
namespace cpu_ref {
namespace {

class StftKernel : public Fp32Kernel {
 public:
  // `frame_length` is the attribute's; 0 is resolved in Run, from the descs
  // of the shape being run (the signal's length may vary).
  StftKernel(int64_t frame_step, int64_t frame_length)
      : frame_step_(frame_step), frame_length_(frame_length) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;  // [batch, length, 1 or 2]
    const Dims& y = args.output_descs[0].dims;  // [batch, frames, bins, 2]
    const bool has_window = args.inputs.size() > 1 && args.inputs[1] != nullptr;
    const int64_t length = x[1], in_complex = x[2];
    const int64_t frames = y[1], bins = y[2];
    // The same defaulting as shape inference: window size, else the signal.
    int64_t frame_length = frame_length_;
    if (frame_length == 0 && has_window) frame_length = args.input_descs[1].dims[0];
    if (frame_length == 0) frame_length = length;
    const int64_t frame_step = frame_step_;
    const auto* signal = static_cast<const float*>(args.inputs[0]);
    const auto* window = has_window ? static_cast<const float*>(args.inputs[1]) : nullptr;
    auto* out = static_cast<float*>(args.outputs[0]);
    const double two_pi_over_n = 2.0 * M_PI / static_cast<double>(frame_length);
    for (int64_t b = 0; b < x[0]; ++b) {
      for (int64_t f = 0; f < frames; ++f) {
        const float* frame = signal + (b * length + f * frame_step) * in_complex;
        for (int64_t k = 0; k < bins; ++k) {
          double re = 0.0, im = 0.0;
          for (int64_t t = 0; t < frame_length; ++t) {
            const double w = window != nullptr ? window[t] : 1.0;
            const double xr = frame[t * in_complex] * w;
            const double xi = in_complex == 2 ? frame[t * in_complex + 1] * w : 0.0;
            const double angle = -two_pi_over_n * static_cast<double>((k * t) % frame_length);
            const double c = std::cos(angle), s = std::sin(angle);
            re += xr * c - xi * s;
            im += xr * s + xi * c;
          }
          float* dst = out + ((b * frames + f) * bins + k) * 2;
          dst[0] = static_cast<float>(re);
          dst[1] = static_cast<float>(im);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t frame_step_, frame_length_;
};

class StftTactic : public Fp32Tactic {
 public:
  StftTactic()
      : Fp32Tactic("cpu_ref.stft.direct", kStftOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(StftParams params, StftParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(
        std::make_unique<StftKernel>(params.frame_step, params.frame_length));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<StftTactic>());

}  // namespace cpu_ref
}  // namespace kiln
