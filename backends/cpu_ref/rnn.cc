// cpu_ref RNN: Ht = f(Xt*W^T + Ht-1*R^T + Wb + Rb), one time step at a time.
// The input projection of every step is one Eigen GEMM up front; the
// recurrent one is a GEMM per step over the batch.
#include "ops/rnn.h"

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

// Workspace floats: X*W^T for every step, the state and H*R^T.
int64_t RnnWorkspaceFloats(const RecurrentShape& s) {
  return s.seq * s.batch * s.hidden + 2 * s.batch * s.hidden;
}

class RnnKernel : public Fp32Kernel {
 public:
  explicit RnnKernel(RecurrentParams params) : params_(std::move(params)) {}

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

    float* x_proj = static_cast<float*>(args.workspace);  // [seq*batch, hidden]
    float* h = x_proj + s.seq * s.batch * hidden;         // [batch, hidden]
    float* h_proj = h + s.batch * hidden;                 // [batch, hidden]
    if (y != nullptr) std::fill(y, y + args.output_descs[0].volume(), 0.0f);

    for (int64_t d = 0; d < s.num_directions; ++d) {
      const RecurrentActivation& f = params_.function(d, 0, RecurrentKind::kRnn);
      ConstMatrixMap w_d(w + d * hidden * s.input, hidden, s.input);
      ConstMatrixMap r_d(r + d * hidden * hidden, hidden, hidden);
      const float* w_bias = bias != nullptr ? bias + d * 2 * hidden : nullptr;
      const float* r_bias = bias != nullptr ? w_bias + hidden : nullptr;
      MatrixMap(x_proj, s.seq * s.batch, hidden).noalias() =
          ConstMatrixMap(x, s.seq * s.batch, s.input) * w_d.transpose();
      for (int64_t b = 0; b < s.batch; ++b) {
        for (int64_t j = 0; j < hidden; ++j) {
          h[b * hidden + j] = initial_h != nullptr ? initial_h[s.StateOffset(d, b) + j] : 0.0f;
        }
      }
      for (int64_t step = 0; step < s.seq; ++step) {
        MatrixMap(h_proj, s.batch, hidden).noalias() =
            ConstMatrixMap(h, s.batch, hidden) * r_d.transpose();
        for (int64_t b = 0; b < s.batch; ++b) {
          // Steps past a sequence's end leave its state and its zero outputs.
          const int64_t len = RecurrentSequenceLength(lens, lens_type, b, s.seq);
          if (step >= len) continue;
          const int64_t t = params_.reversed(d) ? len - 1 - step : step;
          const float* xp = x_proj + s.XRow(t, b) * hidden;
          for (int64_t j = 0; j < hidden; ++j) {
            float pre = xp[j] + h_proj[b * hidden + j];
            if (bias != nullptr) pre += w_bias[j] + r_bias[j];
            h[b * hidden + j] = ApplyRecurrentActivation(f, params_.Clip(pre));
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
      }
    }
    return absl::OkStatus();
  }

 private:
  RecurrentParams params_;
};

class RnnDirectTactic : public Fp32Tactic {
 public:
  RnnDirectTactic() : Fp32Tactic("cpu_ref.rnn.direct", kRnnOp, /*is_reference=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (i == 4 || !node.has_input(i)) continue;  // sequence_lens is an integer tensor
      if (!IsFloatType(node.inputs[i].dtype)) {
        return node.Error("input ", i, " is ", DataTypeName(node.inputs[i].dtype),
                          "; cpu_ref.rnn.direct takes fp32 or fp16");
      }
    }
    return absl::OkStatus();
  }

 protected:
  size_t KernelWorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<RecurrentParams> params =
        RecurrentParams::FromAttrs(node.attrs, RecurrentKind::kRnn);
    if (!params.ok()) return 0;
    return RnnWorkspaceFloats(
               RecurrentShapeOf(node.inputs[0].dims, node.inputs[2].dims, params->layout)) *
           sizeof(float);
  }

 public:
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(RecurrentParams params,
                          RecurrentParams::FromAttrs(node.attrs, RecurrentKind::kRnn));
    return std::unique_ptr<Kernel>(std::make_unique<RnnKernel>(std::move(params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<RnnDirectTactic>());

}  // namespace cpu_ref
}  // namespace kiln
