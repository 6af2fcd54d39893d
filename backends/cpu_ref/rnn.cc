// cpu_ref RNN: Ht = f(Xt*W^T + Ht-1*R^T + Wb + Rb), one time step at a time.
// The input projection of every step is one Eigen GEMM up front; the
// recurrent one is a GEMM per step over the batch. The loop skeleton is in
// recurrent.h; this file holds the cell.
#include "ops/rnn.h"

#include "backends/cpu_ref/common.h"
#include "backends/cpu_ref/recurrent.h"
#include "backends/tactic_registry.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Workspace floats: X*W^T for every step, the state and H*R^T.
int64_t RnnWorkspaceFloats(const RecurrentShape& s) {
  return s.seq * s.batch * s.hidden + 2 * s.batch * s.hidden;
}

class RnnKernel : public Fp32Kernel {
 public:
  explicit RnnKernel(RecurrentParams params) : params_(std::move(params)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const RecurrentArgs a = RecurrentArgsOf(args, params_.layout);
    const RecurrentShape& s = a.s;
    const int64_t hidden = s.hidden;
    float* x_proj = static_cast<float*>(args.workspace);  // [seq*batch, hidden]
    float* h = x_proj + s.seq * s.batch * hidden;         // [batch, hidden]
    float* h_proj = h + s.batch * hidden;                 // [batch, hidden]

    // Per direction.
    const RecurrentActivation* f = nullptr;
    const float* w_bias = nullptr;
    const float* r_bias = nullptr;
    const RecurrentState states[] = {{h, a.initial_h, a.y_h}};
    RunRecurrent(
        a, params_, states,
        [&](int64_t d) {
          f = &params_.function(d, 0, RecurrentKind::kRnn);
          w_bias = a.bias != nullptr ? a.bias + d * 2 * hidden : nullptr;
          r_bias = a.bias != nullptr ? w_bias + hidden : nullptr;
          ProjectRecurrentInput(a, d, hidden, x_proj);
        },
        [&](int64_t d, int64_t) {
          RecurrentMatMul(h, s.batch, hidden, a.r + d * hidden * hidden, hidden, h_proj);
        },
        [&](int64_t, int64_t b, int64_t t) {
          const float* xp = x_proj + s.XRow(t, b) * hidden;
          for (int64_t j = 0; j < hidden; ++j) {
            float pre = xp[j] + h_proj[b * hidden + j];
            if (a.bias != nullptr) pre += w_bias[j] + r_bias[j];
            h[b * hidden + j] = ApplyRecurrentActivation(*f, params_.Clip(pre));
          }
        });
    return absl::OkStatus();
  }

 private:
  RecurrentParams params_;
};

std::unique_ptr<Kernel> MakeRnnKernel(RecurrentParams params) {
  return std::make_unique<RnnKernel>(std::move(params));
}

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<RecurrentDirectTactic>(
    "cpu_ref.rnn.direct", kRnnOp, RecurrentKind::kRnn, RnnWorkspaceFloats, MakeRnnKernel));

}  // namespace cpu_ref
}  // namespace kiln
