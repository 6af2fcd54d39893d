#include "backends/cpu_ref/recurrent.h"

#include <algorithm>
#include <cstring>

#include "Eigen/Dense"
#include "graph/status_macros.h"

namespace kiln {
namespace cpu_ref {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;
using MatrixMap = Eigen::Map<RowMatrix>;

}  // namespace

RecurrentArgs RecurrentArgsOf(const KernelArgs& args, int64_t layout) {
  RecurrentArgs a;
  a.s = RecurrentShapeOf(args.input_descs[0].dims, args.input_descs[2].dims, layout);
  a.x = static_cast<const float*>(args.inputs[0]);
  a.w = static_cast<const float*>(args.inputs[1]);
  a.r = static_cast<const float*>(args.inputs[2]);
  a.bias = args.inputs.size() > 3 ? static_cast<const float*>(args.inputs[3]) : nullptr;
  a.lens = args.inputs.size() > 4 ? args.inputs[4] : nullptr;
  a.lens_type = a.lens != nullptr ? args.input_descs[4].dtype : DataType::kInt32;
  a.initial_h = args.inputs.size() > 5 ? static_cast<const float*>(args.inputs[5]) : nullptr;
  a.y = static_cast<float*>(args.outputs[0]);
  a.y_volume = a.y != nullptr ? args.output_descs[0].volume() : 0;
  a.y_h = static_cast<float*>(args.outputs[1]);
  return a;
}

void RecurrentMatMul(const float* in, int64_t rows, int64_t inner, const float* m, int64_t cols,
                     float* out) {
  MatrixMap(out, rows, cols).noalias() =
      ConstMatrixMap(in, rows, inner) * ConstMatrixMap(m, cols, inner).transpose();
}

void ProjectRecurrentInput(const RecurrentArgs& a, int64_t d, int64_t gates, float* x_proj) {
  RecurrentMatMul(a.x, a.s.seq * a.s.batch, a.s.input, a.w + d * gates * a.s.input, gates, x_proj);
}

int64_t RecurrentTime(const RecurrentArgs& a, const RecurrentParams& params, int64_t d, int64_t b,
                      int64_t step) {
  const int64_t len = RecurrentSequenceLength(a.lens, a.lens_type, b, a.s.seq);
  if (step >= len) return -1;
  return params.reversed(d) ? len - 1 - step : step;
}

void RunRecurrent(const RecurrentArgs& a, const RecurrentParams& params,
                  absl::Span<const RecurrentState> states,
                  absl::FunctionRef<void(int64_t d)> begin_direction,
                  absl::FunctionRef<void(int64_t d, int64_t step)> begin_step,
                  absl::FunctionRef<void(int64_t d, int64_t b, int64_t t)> step_row) {
  const RecurrentShape& s = a.s;
  const int64_t hidden = s.hidden;
  const size_t row_bytes = hidden * sizeof(float);
  if (a.y != nullptr) std::fill(a.y, a.y + a.y_volume, 0.0f);
  const float* h = states[0].state;

  for (int64_t d = 0; d < s.num_directions; ++d) {
    begin_direction(d);
    for (const RecurrentState& st : states) {
      for (int64_t b = 0; b < s.batch; ++b) {
        for (int64_t j = 0; j < hidden; ++j) {
          st.state[b * hidden + j] =
              st.initial != nullptr ? st.initial[s.StateOffset(d, b) + j] : 0.0f;
        }
      }
    }
    for (int64_t step = 0; step < s.seq; ++step) {
      begin_step(d, step);
      for (int64_t b = 0; b < s.batch; ++b) {
        const int64_t t = RecurrentTime(a, params, d, b, step);
        if (t < 0) continue;
        step_row(d, b, t);
        if (a.y != nullptr) std::memcpy(a.y + s.YOffset(t, d, b), h + b * hidden, row_bytes);
      }
    }
    for (const RecurrentState& st : states) {
      if (st.final_out == nullptr) continue;
      for (int64_t b = 0; b < s.batch; ++b) {
        std::memcpy(st.final_out + s.StateOffset(d, b), st.state + b * hidden, row_bytes);
      }
    }
  }
}

absl::Status RecurrentDirectTactic::Supports(const NodeContext& node) const {
  KILN_RETURN_IF_ERROR(RequireLinearFormat(node));
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (i == 4 || !node.has_input(i)) continue;  // sequence_lens is an integer tensor
    if (!IsFloatType(node.inputs[i].dtype)) {
      return node.Error("input ", i, " is ", DataTypeName(node.inputs[i].dtype), "; ", name(),
                        " takes fp32 or fp16");
    }
  }
  return absl::OkStatus();
}

size_t RecurrentDirectTactic::KernelWorkspaceSize(const NodeContext& node) const {
  absl::StatusOr<RecurrentParams> params = RecurrentParams::FromAttrs(node.attrs, kind_);
  if (!params.ok()) return 0;
  return workspace_floats_(
             RecurrentShapeOf(node.inputs[0].dims, node.inputs[2].dims, params->layout)) *
         sizeof(float);
}

absl::StatusOr<std::unique_ptr<Kernel>> RecurrentDirectTactic::CreateKernel(
    const NodeContext& node, absl::Span<const uint8_t>) const {
  KILN_ASSIGN_OR_RETURN(RecurrentParams params, RecurrentParams::FromAttrs(node.attrs, kind_));
  return make_kernel_(std::move(params));
}

}  // namespace cpu_ref
}  // namespace kiln
