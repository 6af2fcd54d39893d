// cpu_ref LpPool: for each output position, an odometer over the window's
// taps, skipping those in the padding; N-D over any number of spatial dims.
#include <algorithm>
#include <cmath>
#include <string>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/lp_pool.h"

namespace kiln {
namespace cpu_ref {
namespace {

class LpPoolKernel : public Fp32Kernel {
 public:
  // `geometry` was planned at the build shape: its kernel, strides,
  // dilations and explicit pads hold at every shape, but the output sizes
  // and SAME padding follow the spatial dims, so Run takes those from the
  // descs of the shape being run.
  LpPoolKernel(int64_t p, std::string auto_pad, LpPoolGeometry geometry)
      : p_(p), auto_pad_(std::move(auto_pad)), g_(std::move(geometry)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const Dims& in_dims = args.input_descs[0].dims;
    const Dims& out_dims = args.output_descs[0].dims;
    const size_t k = g_.kernel.size();
    SmallDims out_size(k), pad_begin(k);
    int64_t in_plane = 1, out_plane = 1;
    for (size_t i = 0; i < k; ++i) {
      out_size[i] = out_dims[2 + i];
      pad_begin[i] = PadBegin(i, in_dims[2 + i], out_size[i]);
      in_plane *= in_dims[2 + i];
      out_plane *= out_size[i];
    }
    const int64_t planes = in_dims[0] * in_dims[1];
    const auto* in = static_cast<const float*>(args.inputs[0]);
    auto* out = static_cast<float*>(args.outputs[0]);
    SmallDims out_pos(k, 0), tap(k, 0);
    for (int64_t plane = 0; plane < planes; ++plane) {
      const float* x = in + plane * in_plane;
      std::fill(out_pos.begin(), out_pos.end(), 0);
      for (int64_t o = 0; o < out_plane; ++o) {
        double sum = 0.0;
        std::fill(tap.begin(), tap.end(), 0);
        while (true) {
          int64_t offset = 0;
          bool inside = true;
          for (size_t i = 0; i < k && inside; ++i) {
            const int64_t in_pos =
                out_pos[i] * g_.strides[i] - pad_begin[i] + tap[i] * g_.dilations[i];
            inside = in_pos >= 0 && in_pos < in_dims[2 + i];
            offset = offset * in_dims[2 + i] + in_pos;
          }
          if (inside) sum += Power(std::fabs(x[offset]));
          if (!Advance(tap, g_.kernel)) break;
        }
        out[plane * out_plane + o] = static_cast<float>(Root(sum));
        Advance(out_pos, out_size);
      }
    }
    return absl::OkStatus();
  }

 private:
  // The leading pad of spatial dim i for an input of `in` giving `out`:
  // PlanLpPool's SAME rule, which depends on the sizes, else the planned pad.
  int64_t PadBegin(size_t i, int64_t in, int64_t out) const {
    if (auto_pad_ != "SAME_UPPER" && auto_pad_ != "SAME_LOWER") return g_.pad_begin[i];
    const int64_t window = (g_.kernel[i] - 1) * g_.dilations[i] + 1;
    const int64_t total = std::max<int64_t>(0, (out - 1) * g_.strides[i] + window - in);
    return auto_pad_ == "SAME_UPPER" ? total / 2 : total - total / 2;
  }

  // Row-major increment of `index` within `limits`; false after the last.
  static bool Advance(SmallDims& index, absl::Span<const int64_t> limits) {
    for (size_t i = index.size(); i-- > 0;) {
      if (++index[i] < limits[i]) return true;
      index[i] = 0;
    }
    return false;
  }
  double Power(double v) const {
    return p_ == 1 ? v : p_ == 2 ? v * v : std::pow(v, static_cast<double>(p_));
  }
  double Root(double v) const {
    return p_ == 1 ? v : p_ == 2 ? std::sqrt(v) : std::pow(v, 1.0 / static_cast<double>(p_));
  }

  int64_t p_;
  std::string auto_pad_;
  LpPoolGeometry g_;
};

class LpPoolTactic : public Fp32Tactic {
 public:
  LpPoolTactic()
      : Fp32Tactic("cpu_ref.lp_pool.direct", kLpPoolOp, /*is_reference=*/true,
                   /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    return RequireFloatTensors(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(LpPoolParams params, LpPoolParams::FromAttrs(node.attrs));
    KILN_ASSIGN_OR_RETURN(LpPoolGeometry geometry, PlanLpPool(params, node.inputs[0].dims));
    return std::unique_ptr<Kernel>(
        std::make_unique<LpPoolKernel>(params.p, params.auto_pad, std::move(geometry)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LpPoolTactic>());

}  // namespace cpu_ref
}  // namespace kiln
