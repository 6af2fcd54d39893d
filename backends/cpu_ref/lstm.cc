// cpu_ref LSTM (formulas in ops/lstm.h), one time step at a time. The input
// projection of every step is one Eigen GEMM up front; the recurrent one is a
// GEMM per step over the batch. The loop skeleton is in recurrent.h; this
// file holds the cell.
#include "ops/lstm.h"

#include "backends/cpu_ref/common.h"
#include "backends/cpu_ref/recurrent.h"
#include "backends/tactic_registry.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Workspace floats: X*W^T for every step [seq*batch, 4*hidden], the hidden
// and cell states [batch, hidden] each, and H*R^T [batch, 4*hidden].
int64_t LstmWorkspaceFloats(const RecurrentShape& s) {
  return s.seq * s.batch * 4 * s.hidden + s.batch * s.hidden * (2 + 4);
}

class LstmKernel : public Fp32Kernel {
 public:
  explicit LstmKernel(RecurrentParams params) : params_(std::move(params)) {}

 protected:
  absl::Status RunFp32(const KernelArgs& args) const override {
    const RecurrentArgs a = RecurrentArgsOf(args, params_.layout);
    const RecurrentShape& s = a.s;
    const int64_t hidden = s.hidden;
    auto* y_c = static_cast<float*>(args.outputs[2]);
    const float* initial_c =
        args.inputs.size() > 6 ? static_cast<const float*>(args.inputs[6]) : nullptr;
    const float* peephole =
        args.inputs.size() > 7 ? static_cast<const float*>(args.inputs[7]) : nullptr;

    const int64_t gates = 4 * hidden;
    float* x_proj = static_cast<float*>(args.workspace);  // [seq*batch, 4*hidden]
    float* h = x_proj + s.seq * s.batch * gates;          // [batch, hidden]
    float* c = h + s.batch * hidden;                      // [batch, hidden]
    float* h_proj = c + s.batch * hidden;                 // [batch, 4*hidden]

    // Per direction.
    const RecurrentActivation* f = nullptr;
    const RecurrentActivation* g = nullptr;
    const RecurrentActivation* h_act = nullptr;
    const float* w_bias = nullptr;
    const float* r_bias = nullptr;
    const float* p_d = nullptr;
    const RecurrentState states[] = {{h, a.initial_h, a.y_h}, {c, initial_c, y_c}};
    RunRecurrent(
        a, params_, states,
        [&](int64_t d) {
          f = &params_.function(d, 0, RecurrentKind::kLstm);
          g = &params_.function(d, 1, RecurrentKind::kLstm);
          h_act = &params_.function(d, 2, RecurrentKind::kLstm);
          w_bias = a.bias != nullptr ? a.bias + d * 2 * gates : nullptr;
          r_bias = a.bias != nullptr ? w_bias + gates : nullptr;
          p_d = peephole != nullptr ? peephole + d * 3 * hidden : nullptr;
          ProjectRecurrentInput(a, d, gates, x_proj);
        },
        [&](int64_t d, int64_t) {
          RecurrentMatMul(h, s.batch, hidden, a.r + d * gates * hidden, gates, h_proj);
        },
        [&](int64_t, int64_t b, int64_t t) {
          const float* xp = x_proj + s.XRow(t, b) * gates;
          const float* hp = h_proj + b * gates;
          // Pre-activation of gate block `block` (i 0, o 1, f 2, c 3) at unit j.
          auto pre = [&](int64_t block, int64_t j) {
            const int64_t k = block * hidden + j;
            return xp[k] + hp[k] + (a.bias != nullptr ? w_bias[k] + r_bias[k] : 0.0f);
          };
          for (int64_t j = 0; j < hidden; ++j) {
            float& cell = c[b * hidden + j];
            const float p_i = p_d != nullptr ? p_d[j] : 0.0f;
            const float p_o = p_d != nullptr ? p_d[hidden + j] : 0.0f;
            const float p_f = p_d != nullptr ? p_d[2 * hidden + j] : 0.0f;
            const float in_gate =
                ApplyRecurrentActivation(*f, params_.Clip(pre(0, j) + p_i * cell));
            const float forget_gate =
                params_.input_forget
                    ? 1.0f - in_gate
                    : ApplyRecurrentActivation(*f, params_.Clip(pre(2, j) + p_f * cell));
            const float candidate = ApplyRecurrentActivation(*g, params_.Clip(pre(3, j)));
            cell = forget_gate * cell + in_gate * candidate;
            const float out_gate =
                ApplyRecurrentActivation(*f, params_.Clip(pre(1, j) + p_o * cell));
            h[b * hidden + j] = out_gate * ApplyRecurrentActivation(*h_act, cell);
          }
        });
    return absl::OkStatus();
  }

 private:
  RecurrentParams params_;
};

std::unique_ptr<Kernel> MakeLstmKernel(RecurrentParams params) {
  return std::make_unique<LstmKernel>(std::move(params));
}

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<RecurrentDirectTactic>(
    "cpu_ref.lstm.direct", kLstmOp, RecurrentKind::kLstm, LstmWorkspaceFloats, MakeLstmKernel));

}  // namespace cpu_ref
}  // namespace kiln
