// cpu_ref GRU (formulas in ops/gru.h), one time step at a time. The input
// projection of every step is one Eigen GEMM up front; the recurrent ones are
// GEMMs per step over the batch.
#include "ops/gru.h"

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

    const int64_t gates = 3 * hidden;
    float* x_proj = static_cast<float*>(args.workspace);  // [seq*batch, 3*hidden]
    float* h = x_proj + s.seq * s.batch * gates;          // [batch, hidden]
    float* h_proj = h + s.batch * hidden;                 // [batch, 3*hidden]
    float* zr = h_proj + s.batch * gates;                 // [batch, 2*hidden]
    float* reset_h = zr + s.batch * 2 * hidden;           // [batch, hidden]
    float* reset_h_proj = reset_h + s.batch * hidden;     // [batch, hidden]
    if (y != nullptr) std::fill(y, y + args.output_descs[0].volume(), 0.0f);

    for (int64_t d = 0; d < s.num_directions; ++d) {
      const RecurrentActivation& f = params_.function(d, 0, RecurrentKind::kGru);
      const RecurrentActivation& g = params_.function(d, 1, RecurrentKind::kGru);
      ConstMatrixMap w_d(w + d * gates * s.input, gates, s.input);
      ConstMatrixMap r_d(r + d * gates * hidden, gates, hidden);
      // Rh, the last hidden rows of R, for (rt . Ht-1) * Rh^T.
      ConstMatrixMap r_h(r + d * gates * hidden + 2 * hidden * hidden, hidden, hidden);
      const float* w_bias = bias != nullptr ? bias + d * 2 * gates : nullptr;
      const float* r_bias = bias != nullptr ? w_bias + gates : nullptr;
      auto bias_of = [&](int64_t k) { return bias != nullptr ? w_bias[k] + r_bias[k] : 0.0f; };
      MatrixMap(x_proj, s.seq * s.batch, gates).noalias() =
          ConstMatrixMap(x, s.seq * s.batch, s.input) * w_d.transpose();
      for (int64_t b = 0; b < s.batch; ++b) {
        for (int64_t j = 0; j < hidden; ++j) {
          h[b * hidden + j] = initial_h != nullptr ? initial_h[s.StateOffset(d, b) + j] : 0.0f;
        }
      }
      for (int64_t step = 0; step < s.seq; ++step) {
        MatrixMap(h_proj, s.batch, gates).noalias() =
            ConstMatrixMap(h, s.batch, hidden) * r_d.transpose();
        // z and r gates (blocks 0 and 1), and rt . Ht-1.
        for (int64_t b = 0; b < s.batch; ++b) {
          const int64_t len = RecurrentSequenceLength(lens, lens_type, b, s.seq);
          if (step >= len) continue;
          const int64_t t = params_.reversed(d) ? len - 1 - step : step;
          const float* xp = x_proj + s.XRow(t, b) * gates;
          const float* hp = h_proj + b * gates;
          for (int64_t k = 0; k < 2 * hidden; ++k) {
            zr[b * 2 * hidden + k] =
                ApplyRecurrentActivation(f, params_.Clip(xp[k] + hp[k] + bias_of(k)));
          }
          for (int64_t j = 0; j < hidden; ++j) {
            reset_h[b * hidden + j] = zr[b * 2 * hidden + hidden + j] * h[b * hidden + j];
          }
        }
        if (!params_.linear_before_reset) {
          MatrixMap(reset_h_proj, s.batch, hidden).noalias() =
              ConstMatrixMap(reset_h, s.batch, hidden) * r_h.transpose();
        }
        for (int64_t b = 0; b < s.batch; ++b) {
          // Steps past a sequence's end leave its state and its zero outputs.
          const int64_t len = RecurrentSequenceLength(lens, lens_type, b, s.seq);
          if (step >= len) continue;
          const int64_t t = params_.reversed(d) ? len - 1 - step : step;
          const float* xp = x_proj + s.XRow(t, b) * gates;
          const float* hp = h_proj + b * gates;
          for (int64_t j = 0; j < hidden; ++j) {
            const float z = zr[b * 2 * hidden + j];
            const float reset = zr[b * 2 * hidden + hidden + j];
            const int64_t k = 2 * hidden + j;  // index in the h block
            const float w_b = bias != nullptr ? w_bias[k] : 0.0f;
            const float r_b = bias != nullptr ? r_bias[k] : 0.0f;
            const float recurrent = params_.linear_before_reset
                                        ? reset * (hp[k] + r_b)
                                        : reset_h_proj[b * hidden + j] + r_b;
            const float candidate =
                ApplyRecurrentActivation(g, params_.Clip(xp[k] + w_b + recurrent));
            float& state = h[b * hidden + j];
            state = (1.0f - z) * candidate + z * state;
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

class GruDirectTactic : public Fp32Tactic {
 public:
  GruDirectTactic() : Fp32Tactic("cpu_ref.gru.direct", kGruOp, /*is_reference=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (i == 4 || !node.has_input(i)) continue;  // sequence_lens is an integer tensor
      if (!IsFloatType(node.inputs[i].dtype)) {
        return node.Error("input ", i, " is ", DataTypeName(node.inputs[i].dtype),
                          "; cpu_ref.gru.direct takes fp32 or fp16");
      }
    }
    return absl::OkStatus();
  }

 protected:
  size_t KernelWorkspaceSize(const NodeContext& node) const override {
    absl::StatusOr<RecurrentParams> params =
        RecurrentParams::FromAttrs(node.attrs, RecurrentKind::kGru);
    if (!params.ok()) return 0;
    return GruWorkspaceFloats(
               RecurrentShapeOf(node.inputs[0].dims, node.inputs[2].dims, params->layout)) *
           sizeof(float);
  }

 public:
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(RecurrentParams params,
                          RecurrentParams::FromAttrs(node.attrs, RecurrentKind::kGru));
    return std::unique_ptr<Kernel>(std::make_unique<GruKernel>(std::move(params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<GruDirectTactic>());

}  // namespace cpu_ref
}  // namespace kiln
