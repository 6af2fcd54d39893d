// cpu_ref LSTM (formulas in ops/lstm.h), one time step at a time. The input
// projection of every step is one Eigen GEMM up front; the recurrent one is a
// GEMM per step over the batch.
#include "ops/lstm.h"

#include <algorithm>
#include <cstring>

#include "Eigen/Dense"
#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;
using MatrixMap = Eigen::Map<RowMatrix>;

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
    const RecurrentShape s =
        RecurrentShapeOf(args.input_descs[0].dims, args.input_descs[2].dims, params_.layout);
    const int64_t hidden = s.hidden;
    const auto* x = static_cast<const float*>(args.inputs[0]);
    const auto* w = static_cast<const float*>(args.inputs[1]);
    const auto* r = static_cast<const float*>(args.inputs[2]);
    const float* bias =
        args.inputs.size() > 3 ? static_cast<const float*>(args.inputs[3]) : nullptr;
    const void* lens = args.inputs.size() > 4 ? args.inputs[4] : nullptr;
    const DataType lens_type = lens != nullptr ? args.input_descs[4].dtype : DataType::kInt32;
    const float* initial_h =
        args.inputs.size() > 5 ? static_cast<const float*>(args.inputs[5]) : nullptr;
    auto* y = static_cast<float*>(args.outputs[0]);
    auto* y_h = static_cast<float*>(args.outputs[1]);
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
    if (y != nullptr) std::fill(y, y + args.output_descs[0].volume(), 0.0f);

    for (int64_t d = 0; d < s.num_directions; ++d) {
      const RecurrentActivation& f = params_.function(d, 0, RecurrentKind::kLstm);
      const RecurrentActivation& g = params_.function(d, 1, RecurrentKind::kLstm);
      const RecurrentActivation& h_act = params_.function(d, 2, RecurrentKind::kLstm);
      ConstMatrixMap w_d(w + d * gates * s.input, gates, s.input);
      ConstMatrixMap r_d(r + d * gates * hidden, gates, hidden);
      const float* w_bias = bias != nullptr ? bias + d * 2 * gates : nullptr;
      const float* r_bias = bias != nullptr ? w_bias + gates : nullptr;
      const float* p_d = peephole != nullptr ? peephole + d * 3 * hidden : nullptr;
      MatrixMap(x_proj, s.seq * s.batch, gates).noalias() =
          ConstMatrixMap(x, s.seq * s.batch, s.input) * w_d.transpose();
      for (int64_t b = 0; b < s.batch; ++b) {
        for (int64_t j = 0; j < hidden; ++j) {
          h[b * hidden + j] = initial_h != nullptr ? initial_h[s.StateOffset(d, b) + j] : 0.0f;
          c[b * hidden + j] = initial_c != nullptr ? initial_c[s.StateOffset(d, b) + j] : 0.0f;
        }
      }
      for (int64_t step = 0; step < s.seq; ++step) {
        MatrixMap(h_proj, s.batch, gates).noalias() =
            ConstMatrixMap(h, s.batch, hidden) * r_d.transpose();
        for (int64_t b = 0; b < s.batch; ++b) {
          // Steps past a sequence's end leave its state and its zero outputs.
          const int64_t len = RecurrentSequenceLength(lens, lens_type, b, s.seq);
          if (step >= len) continue;
          const int64_t t = params_.reversed(d) ? len - 1 - step : step;
          const float* xp = x_proj + s.XRow(t, b) * gates;
          const float* hp = h_proj + b * gates;
          // Pre-activation of gate block `block` (i 0, o 1, f 2, c 3) at unit j.
          auto pre = [&](int64_t block, int64_t j) {
            const int64_t k = block * hidden + j;
            return xp[k] + hp[k] + (bias != nullptr ? w_bias[k] + r_bias[k] : 0.0f);
          };
          for (int64_t j = 0; j < hidden; ++j) {
            float& cell = c[b * hidden + j];
            const float p_i = p_d != nullptr ? p_d[j] : 0.0f;
            const float p_o = p_d != nullptr ? p_d[hidden + j] : 0.0f;
            const float p_f = p_d != nullptr ? p_d[2 * hidden + j] : 0.0f;
            const float in_gate = ApplyRecurrentActivation(f, params_.Clip(pre(0, j) + p_i * cell));
            const float forget_gate =
                params_.input_forget
                    ? 1.0f - in_gate
                    : ApplyRecurrentActivation(f, params_.Clip(pre(2, j) + p_f * cell));
            const float candidate = ApplyRecurrentActivation(g, params_.Clip(pre(3, j)));
            cell = forget_gate * cell + in_gate * candidate;
            const float out_gate =
                ApplyRecurrentActivation(f, params_.Clip(pre(1, j) + p_o * cell));
            h[b * hidden + j] = out_gate * ApplyRecurrentActivation(h_act, cell);
          }
          if (y != nullptr) {
            std::memcpy(y + s.YOffset(t, d, b), h + b * hidden, hidden * sizeof(float));
          }
        }
      }
      for (int64_t b = 0; b < s.batch; ++b) {
        if (y_h != nullptr) {
          std::memcpy(y_h + s.StateOffset(d, b), h + b * hidden, hidden * sizeof(float));
        }
        if (y_c != nullptr) {
          std::memcpy(y_c + s.StateOffset(d, b), c + b * hidden, hidden * sizeof(float));
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  RecurrentParams params_;
};

class LstmDirectTactic : public Fp32Tactic {
 public:
  LstmDirectTactic() : Fp32Tactic("cpu_ref.lstm.direct", kLstmOp, /*is_reference=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (i == 4 || !node.has_input(i)) continue;  // sequence_lens is an integer tensor
      if (!IsFloatType(node.inputs[i].dtype)) {
        return node.Error("input ", i, " is ", DataTypeName(node.inputs[i].dtype),
                          "; cpu_ref.lstm.direct takes fp32 or fp16");
      }
    }
    return absl::OkStatus();
  }

 protected:
  size_t KernelWorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<RecurrentParams> params =
        RecurrentParams::FromAttrs(node.attrs, RecurrentKind::kLstm);
    if (!params.ok()) return 0;
    return LstmWorkspaceFloats(
               RecurrentShapeOf(node.inputs[0].dims, node.inputs[2].dims, params->layout)) *
           sizeof(float);
  }

 public:
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(RecurrentParams params,
                          RecurrentParams::FromAttrs(node.attrs, RecurrentKind::kLstm));
    return std::unique_ptr<Kernel>(std::make_unique<LstmKernel>(std::move(params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LstmDirectTactic>());

}  // namespace cpu_ref
}  // namespace kiln
