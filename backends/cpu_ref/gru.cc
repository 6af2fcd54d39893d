// cpu_ref GRU (formulas in ops/gru.h), one time step at a time. The input
// projection of every step is one Eigen GEMM up front; the recurrent ones are
// GEMMs per step over the batch. The loop skeleton is in recurrent.h; this
// file holds the cell.
#include "ops/gru.h"

#include "backends/cpu_ref/common.h"
#include "backends/cpu_ref/recurrent.h"
#include "backends/tactic_registry.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Workspace floats: X*W^T for every step [seq*batch, 3*hidden], the state,
// H*R^T [batch, 3*hidden], the z and r gates [batch, 2*hidden], and
// (rt . Ht-1) and its product with Rh^T [batch, hidden] each.
int64_t GruWorkspaceFloats(const RecurrentShape& s) {
  return s.seq * s.batch * 3 * s.hidden + s.batch * s.hidden * (1 + 3 + 2 + 2);
}

class GruKernel : public Fp32Kernel {
 public:
  explicit GruKernel(RecurrentParams params) : params_(std::move(params)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const RecurrentArgs a = RecurrentArgsOf(args, params_.layout);
    const RecurrentShape& s = a.s;
    const int64_t hidden = s.hidden;
    const int64_t gates = 3 * hidden;
    float* x_proj = static_cast<float*>(args.workspace);  // [seq*batch, 3*hidden]
    float* h = x_proj + s.seq * s.batch * gates;          // [batch, hidden]
    float* h_proj = h + s.batch * hidden;                 // [batch, 3*hidden]
    float* zr = h_proj + s.batch * gates;                 // [batch, 2*hidden]
    float* reset_h = zr + s.batch * 2 * hidden;           // [batch, hidden]
    float* reset_h_proj = reset_h + s.batch * hidden;     // [batch, hidden]

    // Per direction.
    const RecurrentActivation* f = nullptr;
    const RecurrentActivation* g = nullptr;
    const float* w_bias = nullptr;
    const float* r_bias = nullptr;
    auto bias_of = [&](int64_t k) { return a.bias != nullptr ? w_bias[k] + r_bias[k] : 0.0f; };
    const RecurrentState states[] = {{h, a.initial_h, a.y_h}};
    RunRecurrent(
        a, params_, states,
        [&](int64_t d) {
          f = &params_.function(d, 0, RecurrentKind::kGru);
          g = &params_.function(d, 1, RecurrentKind::kGru);
          w_bias = a.bias != nullptr ? a.bias + d * 2 * gates : nullptr;
          r_bias = a.bias != nullptr ? w_bias + gates : nullptr;
          ProjectRecurrentInput(a, d, gates, x_proj);
        },
        [&](int64_t d, int64_t step) {
          const float* r_d = a.r + d * gates * hidden;
          RecurrentMatMul(h, s.batch, hidden, r_d, gates, h_proj);
          // z and r gates (blocks 0 and 1), and rt . Ht-1.
          for (int64_t b = 0; b < s.batch; ++b) {
            const int64_t t = RecurrentTime(a, params_, d, b, step);
            if (t < 0) continue;
            const float* xp = x_proj + s.XRow(t, b) * gates;
            const float* hp = h_proj + b * gates;
            for (int64_t k = 0; k < 2 * hidden; ++k) {
              zr[b * 2 * hidden + k] =
                  ApplyRecurrentActivation(*f, params_.Clip(xp[k] + hp[k] + bias_of(k)));
            }
            for (int64_t j = 0; j < hidden; ++j) {
              reset_h[b * hidden + j] = zr[b * 2 * hidden + hidden + j] * h[b * hidden + j];
            }
          }
          if (!params_.linear_before_reset) {
            // Rh, the last hidden rows of R, for (rt . Ht-1) * Rh^T.
            RecurrentMatMul(reset_h, s.batch, hidden, r_d + 2 * hidden * hidden, hidden,
                            reset_h_proj);
          }
        },
        [&](int64_t, int64_t b, int64_t t) {
          const float* xp = x_proj + s.XRow(t, b) * gates;
          const float* hp = h_proj + b * gates;
          for (int64_t j = 0; j < hidden; ++j) {
            const float z = zr[b * 2 * hidden + j];
            const float reset = zr[b * 2 * hidden + hidden + j];
            const int64_t k = 2 * hidden + j;  // index in the h block
            const float w_b = a.bias != nullptr ? w_bias[k] : 0.0f;
            const float r_b = a.bias != nullptr ? r_bias[k] : 0.0f;
            const float recurrent = params_.linear_before_reset
                                        ? reset * (hp[k] + r_b)
                                        : reset_h_proj[b * hidden + j] + r_b;
            const float candidate =
                ApplyRecurrentActivation(*g, params_.Clip(xp[k] + w_b + recurrent));
            float& state = h[b * hidden + j];
            state = (1.0f - z) * candidate + z * state;
          }
        });
    return absl::OkStatus();
  }

 private:
  RecurrentParams params_;
};

std::unique_ptr<Kernel> MakeGruKernel(RecurrentParams params) {
  return std::make_unique<GruKernel>(std::move(params));
}

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<RecurrentDirectTactic>(
    "cpu_ref.gru.direct", kGruOp, RecurrentKind::kGru, GruWorkspaceFloats, MakeGruKernel));

}  // namespace cpu_ref
}  // namespace kiln
