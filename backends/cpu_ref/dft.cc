// cpu_ref DFT: the plain O(n^2) sum X[k] = sum_t x[t] * exp(-+2*pi*i*k*t/n),
// accumulated in double, with twiddles computed from (k * t) mod n so the
// angle stays exact for long transforms.
#include <cmath>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/dft.h"

namespace kiln {
namespace cpu_ref {
namespace {

class DftKernel : public Fp32Kernel {
 public:
  explicit DftKernel(DftParams params) : params_(params) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& x = args.input_descs[0].dims;
    const Dims& y = args.output_descs[0].dims;
    const int64_t rank = static_cast<int64_t>(x.size());
    const int64_t axis = params_.axis < 0 ? params_.axis + rank : params_.axis;
    const int64_t in_complex = x.back();  // 1 (real) or 2
    const int64_t in_len = x[axis];
    const int64_t n = params_.dft_length > 0 ? params_.dft_length : in_len;
    const int64_t out_len = y[axis];
    // Signal dims around the axis (the last dim, real/imaginary, excluded).
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x[d];
    for (int64_t d = axis + 1; d < rank - 1; ++d) inner *= x[d];
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    const double sign = params_.inverse ? 1.0 : -1.0;
    const double scale = params_.inverse ? 1.0 / static_cast<double>(n) : 1.0;
    const double two_pi_over_n = 2.0 * M_PI / static_cast<double>(n);
    const int64_t used = in_len < n ? in_len : n;  // samples past n are truncated
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        for (int64_t k = 0; k < out_len; ++k) {
          double re = 0.0, im = 0.0;
          for (int64_t t = 0; t < used; ++t) {
            const float* sample = in + ((o * in_len + t) * inner + i) * in_complex;
            const double xr = sample[0];
            const double xi = in_complex == 2 ? sample[1] : 0.0;
            const double angle = sign * two_pi_over_n * static_cast<double>((k * t) % n);
            const double c = std::cos(angle), s = std::sin(angle);
            re += xr * c - xi * s;
            im += xr * s + xi * c;
          }
          float* dst = out + ((o * out_len + k) * inner + i) * 2;
          dst[0] = static_cast<float>(re * scale);
          dst[1] = static_cast<float>(im * scale);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  DftParams params_;
};

class DftTactic : public Fp32Tactic {
 public:
  DftTactic()
      : Fp32Tactic("cpu_ref.dft.direct", kDftOp, /*is_reference=*/true, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireFloatTensors(node));
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(DftParams params, DftParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<DftKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<DftTactic>());

}  // namespace cpu_ref
}  // namespace kiln
