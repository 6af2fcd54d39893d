#ifndef KILN_BACKENDS_CPU_REF_RECURRENT_H_
#define KILN_BACKENDS_CPU_REF_RECURRENT_H_

// The loop skeleton shared by the cpu_ref RNN, GRU and LSTM kernels: input
// unpacking, directions, time steps, sequence_lens, state initialization and
// output writing. Each op's file keeps only its cell math (the callbacks of
// RunRecurrent) and its workspace layout.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/cpu_ref/common.h"
#include "backends/tactic.h"
#include "graph/types.h"
#include "ops/recurrent.h"

namespace kiln {
namespace cpu_ref {

// The inputs and outputs every recurrent op has (ONNX order: X, W, R, B,
// sequence_lens, initial_h; outputs Y, Y_h), for the batch being run.
struct RecurrentArgs {
  RecurrentShape s;
  const float* x = nullptr;
  const float* w = nullptr;
  const float* r = nullptr;
  const float* bias = nullptr;  // null when absent
  const void* lens = nullptr;   // null when absent
  DataType lens_type = DataType::kInt32;
  const float* initial_h = nullptr;  // null when absent
  float* y = nullptr;                // null when not requested
  int64_t y_volume = 0;
  float* y_h = nullptr;  // null when not requested
};
RecurrentArgs RecurrentArgsOf(const KernelArgs& args, int64_t layout);

// out[rows, cols] = in[rows, inner] * m^T, with m a row-major [cols, inner]
// matrix (W, R or a block of R).
void RecurrentMatMul(const float* in, int64_t rows, int64_t inner, const float* m, int64_t cols,
                     float* out);

// The input projection of every step of direction d, X * W_d^T, into
// x_proj [seq*batch, gates] (row XRow(t, b) holds time t of batch b).
void ProjectRecurrentInput(const RecurrentArgs& a, int64_t d, int64_t gates, float* x_proj);

// Time index that step `step` of direction d reads for batch row b, or -1
// when the step is past that row's sequence length.
int64_t RecurrentTime(const RecurrentArgs& a, const RecurrentParams& params, int64_t d, int64_t b,
                      int64_t step);

// One [batch, hidden] state buffer: set from `initial` (zeros when null)
// at the start of each direction, copied to `final_out` (when not null) at
// its end.
struct RecurrentState {
  float* state;
  const float* initial;
  float* final_out;
};

// Zeroes Y, then for each direction d: begin_direction(d), sets the states
// from their initial values, and for each step: begin_step(d, step), then
// step_row(d, b, t) for every batch row b still inside its sequence (t its
// time index), after which states[0] (the hidden state) row b is written to
// Y[t, d, b]. Steps past a sequence's end leave its state and its zero
// outputs. Finally the states are copied to their final outputs.
void RunRecurrent(const RecurrentArgs& a, const RecurrentParams& params,
                  absl::Span<const RecurrentState> states,
                  absl::FunctionRef<void(int64_t d)> begin_direction,
                  absl::FunctionRef<void(int64_t d, int64_t step)> begin_step,
                  absl::FunctionRef<void(int64_t d, int64_t b, int64_t t)> step_row);

// The reference tactic of a recurrent op: float tensors (but sequence_lens),
// linear format; the op supplies its workspace size and its kernel. It takes
// dynamic shapes (any sequence length): RecurrentArgsOf reads every size from
// the descs, so an op's workspace_floats must only grow with the shape.
class RecurrentDirectTactic : public Fp32Tactic {
 public:
  using WorkspaceFloatsFn = int64_t (*)(const RecurrentShape& s);
  using KernelFactory = std::unique_ptr<Kernel> (*)(RecurrentParams params);

  RecurrentDirectTactic(std::string name, std::string op, RecurrentKind kind,
                        WorkspaceFloatsFn workspace_floats, KernelFactory make_kernel)
      : Fp32Tactic(std::move(name), std::move(op), /*is_reference=*/true, /*dynamic_shapes=*/true),
        kind_(kind),
        workspace_floats_(workspace_floats),
        make_kernel_(make_kernel) {}

  absl::Status Supports(const NodeContext& node) const override;
  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override;

 protected:
  size_t KernelWorkspaceSize(const NodeContext& node) const override;

 private:
  RecurrentKind kind_;
  WorkspaceFloatsFn workspace_floats_;
  KernelFactory make_kernel_;
};

}  // namespace cpu_ref
}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_RECURRENT_H_
