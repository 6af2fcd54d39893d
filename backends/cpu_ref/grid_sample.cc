// cpu_ref GridSample: per output point, per spatial dim, the taps and weights
// of the interpolation (after padding each tap index), then the sum over
// their tensor product. Coordinates are computed in float as ONNX's reference
// does, so that rounding and floor decisions agree with it.
#include <algorithm>
#include <cmath>

#include "absl/container/inlined_vector.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/grid_sample.h"

namespace kiln {
namespace cpu_ref {
namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Padding { kZeros, kBorder, kReflection };

struct Taps {
  int count = 1;
  int64_t index[4];  // -1: outside the input with zeros padding (reads 0)
  double weight[4];
};

// Mirrors x at the borders until it lies in [lo, hi] (ONNX's _gs_reflect).
double Reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    const double dx = lo - x;
    const int64_t n = static_cast<int64_t>(dx / range);
    const double r = dx - n * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const double dx = x - hi;
    const int64_t n = static_cast<int64_t>(dx / range);
    const double r = dx - n * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return x;
}

double Cubic(double x) {  // Keys' kernel with a = -0.75, as PyTorch
  constexpr double a = -0.75;
  x = std::fabs(x);
  if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

class GridSampleKernel : public Fp32Kernel {
 public:
  explicit GridSampleKernel(const GridSampleParams& params)
      : align_corners_(params.align_corners) {
    mode_ = params.mode == "nearest" ? Mode::kNearest
            : params.mode == "cubic" ? Mode::kCubic
                                     : Mode::kLinear;
    padding_ = params.padding_mode == "border"       ? Padding::kBorder
               : params.padding_mode == "reflection" ? Padding::kReflection
                                                     : Padding::kZeros;
  }

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& x_dims = args.input_descs[0].dims;
    const Dims& out_dims = args.output_descs[0].dims;
    const size_t k = x_dims.size() - 2;
    int64_t in_plane = 1, out_plane = 1;
    for (size_t i = 0; i < k; ++i) {
      in_plane *= x_dims[2 + i];
      out_plane *= out_dims[2 + i];
    }
    const int64_t batch = x_dims[0], channels = x_dims[1];
    const auto* x = static_cast<const float*>(args.inputs[0]);
    const auto* grid = static_cast<const float*>(args.inputs[1]);
    auto* y = static_cast<float*>(args.outputs[0]);
    absl::InlinedVector<Taps, 8> taps(k);
    SmallDims tap(k, 0);
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t o = 0; o < out_plane; ++o) {
        const float* g = grid + (n * out_plane + o) * static_cast<int64_t>(k);
        // grid lists the innermost dim first.
        for (size_t i = 0; i < k; ++i) ComputeTaps(g[k - 1 - i], x_dims[2 + i], taps[i]);
        for (int64_t c = 0; c < channels; ++c) {
          const float* plane = x + (n * channels + c) * in_plane;
          double sum = 0.0;
          std::fill(tap.begin(), tap.end(), 0);
          while (true) {
            double weight = 1.0;
            int64_t offset = 0;
            for (size_t i = 0; i < k && weight != 0.0; ++i) {
              const int64_t index = taps[i].index[tap[i]];
              weight = index < 0 ? 0.0 : weight * taps[i].weight[tap[i]];
              offset = offset * x_dims[2 + i] + index;
            }
            if (weight != 0.0) sum += weight * plane[offset];
            size_t i = k;
            while (i > 0 && ++tap[i - 1] == taps[i - 1].count) tap[--i] = 0;
            if (i == 0) break;
          }
          y[(n * channels + c) * out_plane + o] = static_cast<float>(sum);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  // The padded index of integer pixel position `i` on an axis of `size`.
  int64_t PadIndex(int64_t i, int64_t size, double lo, double hi) const {
    if (i >= 0 && i < size) return i;
    switch (padding_) {
      case Padding::kZeros: return -1;
      case Padding::kBorder: return std::clamp<int64_t>(i, 0, size - 1);
      case Padding::kReflection:
        return std::clamp<int64_t>(static_cast<int64_t>(Reflect(i, lo, hi)), 0, size - 1);
    }
    return -1;
  }

  void ComputeTaps(float g, int64_t size, Taps& t) const {
    const float fsize = static_cast<float>(size);
    float pos = align_corners_ ? (g + 1.0f) / 2.0f * (fsize - 1.0f)
                               : ((g + 1.0f) * fsize - 1.0f) / 2.0f;
    if (mode_ == Mode::kNearest) pos = std::nearbyint(pos);  // half to even
    const double lo = align_corners_ ? 0.0 : -0.5;
    const double hi = align_corners_ ? size - 1.0 : size - 0.5;
    if (pos < lo || pos > hi) {
      if (padding_ == Padding::kBorder) {
        pos = std::clamp(pos, 0.0f, fsize - 1.0f);
      } else if (padding_ == Padding::kReflection) {
        pos = static_cast<float>(Reflect(pos, lo, hi));
      }
    }
    if (mode_ == Mode::kNearest) {
      t.count = 1;
      t.index[0] = PadIndex(static_cast<int64_t>(pos), size, lo, hi);  // truncates, as ONNX
      t.weight[0] = 1.0;
      return;
    }
    const float floor_pos = std::floor(pos);
    const double r = pos - floor_pos;
    const int64_t base = static_cast<int64_t>(floor_pos);
    if (mode_ == Mode::kLinear) {
      t.count = 2;
      t.weight[0] = 1.0 - r;
      t.weight[1] = r;
      for (int j = 0; j < 2; ++j) t.index[j] = PadIndex(base + j, size, lo, hi);
    } else {
      t.count = 4;
      for (int j = 0; j < 4; ++j) {
        t.weight[j] = Cubic(r + 1 - j);
        t.index[j] = PadIndex(base - 1 + j, size, lo, hi);
      }
    }
  }

  bool align_corners_;
  Mode mode_;
  Padding padding_;
};

class GridSampleTactic : public Fp32Tactic {
 public:
  GridSampleTactic()
      : Fp32Tactic("cpu_ref.grid_sample.direct", kGridSampleOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(GridSampleParams params, GridSampleParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<GridSampleKernel>(params));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<GridSampleTactic>());

}  // namespace cpu_ref
}  // namespace kiln
