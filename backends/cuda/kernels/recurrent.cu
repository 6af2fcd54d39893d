// RNN, GRU and LSTM with cpu_ref's cell math (backends/cpu_ref/{rnn,gru,
// lstm}.cc): the same gate order, sums, clip and activation formulas, with
// states kept in fp32 across steps and rounded only when written out.
#include <cuda_fp16.h>

#include <cstdint>

#include "backends/cuda/kernels/sequence.h"
#include "backends/cuda/kernels/sequence_device.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

using seq::Blocks;
using seq::GridStart;
using seq::GridStride;
using seq::kThreads;
using seq::Load;
using seq::Store;

__host__ __device__ __forceinline__ int64_t Gates(int cell) {
  return cell == kRnnCell ? 1 : cell == kGruCell ? 3 : 4;
}

// std::min / std::max as cpu_ref calls them (a NaN first argument survives
// min(x, c) and max(x, c); a NaN second one does not).
__device__ __forceinline__ float StdMin(float a, float b) { return b < a ? b : a; }
__device__ __forceinline__ float StdMax(float a, float b) { return a < b ? b : a; }

// ApplyRecurrentActivation (ops/recurrent.h); the cases follow
// kiln::RecurrentActivationType.
__device__ float Activate(const RecurrentFunction& f, float x) {
  switch (f.type) {
    case 0: return x > 0.0f ? x : 0.0f;                           // Relu
    case 1: return tanhf(x);                                      // Tanh
    case 2: return 1.0f / (1.0f + expf(-x));                      // Sigmoid
    case 3: return f.alpha * x + f.beta;                          // Affine
    case 4: return x < 0.0f ? f.alpha * x : x;                    // LeakyRelu
    case 5: return x > f.alpha ? x : 0.0f;                        // ThresholdedRelu
    case 6: return f.alpha * tanhf(f.beta * x);                   // ScaledTanh
    case 7: return StdMax(0.0f, StdMin(1.0f, f.alpha * x + f.beta));  // HardSigmoid
    case 8: return x < 0.0f ? f.alpha * expm1f(x) : x;            // Elu
    case 9: return x / (1.0f + fabsf(x));                         // Softsign
    case 10: return x > 20.0f ? x : log1pf(expf(x));              // Softplus
  }
  return x;
}

__device__ __forceinline__ float Clip(const RecurrentLayer& l, float x) {
  return l.has_clip ? StdMin(StdMax(x, -l.clip), l.clip) : x;
}

// RecurrentSequenceLength: sequence_lens[b] clamped to [0, seq].
__device__ __forceinline__ int64_t SequenceLength(const RecurrentLayer& l, int64_t b) {
  if (l.lens == nullptr) return l.seq;
  const int64_t len = l.lens_64 ? static_cast<const int64_t*>(l.lens)[b]
                                : static_cast<const int32_t*>(l.lens)[b];
  return len < 0 ? 0 : (len > l.seq ? l.seq : len);
}

// RecurrentShape's offsets.
__device__ __forceinline__ int64_t XRow(const RecurrentLayer& l, int64_t t, int64_t b) {
  return l.layout == 0 ? t * l.batch + b : b * l.seq + t;
}
__device__ __forceinline__ int64_t YOffset(const RecurrentLayer& l, int64_t t, int64_t d,
                                           int64_t b) {
  return (l.layout == 0 ? (t * l.num_directions + d) * l.batch + b
                        : (b * l.seq + t) * l.num_directions + d) *
         l.hidden;
}
__device__ __forceinline__ int64_t StateOffset(const RecurrentLayer& l, int64_t d, int64_t b) {
  return (l.layout == 0 ? d * l.batch + b : b * l.num_directions + d) * l.hidden;
}

template <typename T>
__global__ void ZeroKernel(int64_t n, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStride()) Store(out, i, 0.0f);
}

// x_proj[row, k] = X[row, :] . W_d[k, :] for every row of X.
template <typename T>
__global__ void ProjectKernel(RecurrentLayer l, int64_t d, float* __restrict__ x_proj) {
  const int64_t gates = Gates(l.cell) * l.hidden;
  const int64_t n = l.seq * l.batch * gates;
  const T* x = static_cast<const T*>(l.x);
  const T* w = static_cast<const T*>(l.w) + d * gates * l.input;
  for (int64_t idx = GridStart(); idx < n; idx += GridStride()) {
    const int64_t row = idx / gates, k = idx % gates;
    float sum = 0.0f;
    for (int64_t i = 0; i < l.input; ++i) sum += Load(x, row * l.input + i) * Load(w, k * l.input + i);
    x_proj[idx] = sum;
  }
}

// The states of direction d from their initial values (zeros when absent).
template <typename T>
__global__ void InitStateKernel(RecurrentLayer l, int64_t d, float* __restrict__ h,
                                float* __restrict__ c) {
  const int64_t n = l.batch * l.hidden;
  for (int64_t idx = GridStart(); idx < n; idx += GridStride()) {
    const int64_t b = idx / l.hidden, j = idx % l.hidden;
    const int64_t at = StateOffset(l, d, b) + j;
    h[idx] = l.initial_h != nullptr ? Load(static_cast<const T*>(l.initial_h), at) : 0.0f;
    if (c != nullptr) {
      c[idx] = l.initial_c != nullptr ? Load(static_cast<const T*>(l.initial_c), at) : 0.0f;
    }
  }
}

// Y_h (Y_c) of direction d from the final states.
template <typename T>
__global__ void FinalStateKernel(RecurrentLayer l, int64_t d, const float* __restrict__ h,
                                 const float* __restrict__ c) {
  const int64_t n = l.batch * l.hidden;
  for (int64_t idx = GridStart(); idx < n; idx += GridStride()) {
    const int64_t b = idx / l.hidden, j = idx % l.hidden;
    const int64_t at = StateOffset(l, d, b) + j;
    if (l.y_h != nullptr) Store(static_cast<T*>(l.y_h), at, h[idx]);
    if (l.y_c != nullptr && c != nullptr) Store(static_cast<T*>(l.y_c), at, c[idx]);
  }
}

// state[b, :] . R_d[k, :] (the recurrent projection of gate row k).
template <typename T>
__device__ __forceinline__ float RecurrentDot(const RecurrentLayer& l, const T* r_d,
                                              const float* state, int64_t b, int64_t k) {
  float sum = 0.0f;
  for (int64_t i = 0; i < l.hidden; ++i) sum += state[b * l.hidden + i] * Load(r_d, k * l.hidden + i);
  return sum;
}

// Everything one step needs to know about batch row b: its time index (or
// -1 past its sequence) and its X*W^T row.
struct StepRow {
  int64_t t;
  const float* xp;
};
__device__ __forceinline__ StepRow RowAt(const RecurrentLayer& l, int64_t d, int64_t step,
                                         int64_t b, const float* x_proj) {
  const int64_t len = SequenceLength(l, b);
  if (step >= len) return {-1, nullptr};
  const int64_t t = l.reversed[d] ? len - 1 - step : step;
  return {t, x_proj + XRow(l, t, b) * Gates(l.cell) * l.hidden};
}

// One step of RNN, LSTM, or GRU with linear_before_reset, for every (b, j):
// reads h_in (c_in), writes h_out (c_out) and Y[t, d, b, j].
template <typename T>
__global__ void CellKernel(RecurrentLayer l, int64_t d, int64_t step, const float* __restrict__ x_proj,
                           const float* __restrict__ h_in, float* __restrict__ h_out,
                           const float* __restrict__ c_in, float* __restrict__ c_out) {
  const int64_t hidden = l.hidden;
  const int64_t gates = Gates(l.cell) * hidden;
  const int64_t n = l.batch * hidden;
  const T* r_d = static_cast<const T*>(l.r) + d * gates * hidden;
  const T* w_bias = l.bias != nullptr ? static_cast<const T*>(l.bias) + d * 2 * gates : nullptr;
  const T* r_bias = w_bias != nullptr ? w_bias + gates : nullptr;
  const RecurrentFunction* fn = l.functions[d];
  for (int64_t idx = GridStart(); idx < n; idx += GridStride()) {
    const int64_t b = idx / hidden, j = idx % hidden;
    const StepRow row = RowAt(l, d, step, b, x_proj);
    if (row.t < 0) {  // past the sequence: the state stays
      h_out[idx] = h_in[idx];
      if (c_out != nullptr) c_out[idx] = c_in[idx];
      continue;
    }
    const float* xp = row.xp;
    auto bias_of = [&](int64_t k) {
      return w_bias != nullptr ? Load(w_bias, k) + Load(r_bias, k) : 0.0f;
    };
    float h;
    if (l.cell == kRnnCell) {
      float pre = xp[j] + RecurrentDot(l, r_d, h_in, b, j);
      if (w_bias != nullptr) pre += Load(w_bias, j) + Load(r_bias, j);
      h = Activate(fn[0], Clip(l, pre));
    } else if (l.cell == kLstmCell) {
      auto pre = [&](int64_t block) {
        const int64_t k = block * hidden + j;
        return xp[k] + RecurrentDot(l, r_d, h_in, b, k) + bias_of(k);
      };
      const T* p_d = l.peephole != nullptr ? static_cast<const T*>(l.peephole) + d * 3 * hidden
                                           : nullptr;
      const float p_i = p_d != nullptr ? Load(p_d, j) : 0.0f;
      const float p_o = p_d != nullptr ? Load(p_d, hidden + j) : 0.0f;
      const float p_f = p_d != nullptr ? Load(p_d, 2 * hidden + j) : 0.0f;
      float cell = c_in[idx];
      const float in_gate = Activate(fn[0], Clip(l, pre(0) + p_i * cell));
      const float forget_gate =
          l.input_forget ? 1.0f - in_gate : Activate(fn[0], Clip(l, pre(2) + p_f * cell));
      const float candidate = Activate(fn[1], Clip(l, pre(3)));
      cell = forget_gate * cell + in_gate * candidate;
      const float out_gate = Activate(fn[0], Clip(l, pre(1) + p_o * cell));
      h = out_gate * Activate(fn[2], cell);
      c_out[idx] = cell;
    } else {  // GRU, linear_before_reset
      const float z = Activate(fn[0], Clip(l, xp[j] + RecurrentDot(l, r_d, h_in, b, j) + bias_of(j)));
      const float reset = Activate(
          fn[0], Clip(l, xp[hidden + j] + RecurrentDot(l, r_d, h_in, b, hidden + j) +
                             bias_of(hidden + j)));
      const int64_t k = 2 * hidden + j;
      const float w_b = w_bias != nullptr ? Load(w_bias, k) : 0.0f;
      const float r_b = w_bias != nullptr ? Load(r_bias, k) : 0.0f;
      const float recurrent = reset * (RecurrentDot(l, r_d, h_in, b, k) + r_b);
      const float candidate = Activate(fn[1], Clip(l, xp[k] + w_b + recurrent));
      h = (1.0f - z) * candidate + z * h_in[idx];
    }
    h_out[idx] = h;
    if (l.y != nullptr) Store(static_cast<T*>(l.y), YOffset(l, row.t, d, b) + j, h);
  }
}

// GRU without linear_before_reset, first half of a step: the z gate and
// rt . Ht-1, which the candidate's recurrent product needs for every unit.
template <typename T>
__global__ void GruGatesKernel(RecurrentLayer l, int64_t d, int64_t step,
                               const float* __restrict__ x_proj, const float* __restrict__ h_in,
                               float* __restrict__ z_out, float* __restrict__ reset_h) {
  const int64_t hidden = l.hidden;
  const int64_t gates = 3 * hidden;
  const int64_t n = l.batch * hidden;
  const T* r_d = static_cast<const T*>(l.r) + d * gates * hidden;
  const T* w_bias = l.bias != nullptr ? static_cast<const T*>(l.bias) + d * 2 * gates : nullptr;
  const T* r_bias = w_bias != nullptr ? w_bias + gates : nullptr;
  const RecurrentFunction& f = l.functions[d][0];
  for (int64_t idx = GridStart(); idx < n; idx += GridStride()) {
    const int64_t b = idx / hidden, j = idx % hidden;
    const StepRow row = RowAt(l, d, step, b, x_proj);
    if (row.t < 0) continue;
    auto bias_of = [&](int64_t k) {
      return w_bias != nullptr ? Load(w_bias, k) + Load(r_bias, k) : 0.0f;
    };
    z_out[idx] = Activate(f, Clip(l, row.xp[j] + RecurrentDot(l, r_d, h_in, b, j) + bias_of(j)));
    const float reset = Activate(
        f, Clip(l, row.xp[hidden + j] + RecurrentDot(l, r_d, h_in, b, hidden + j) +
                       bias_of(hidden + j)));
    reset_h[idx] = reset * h_in[idx];
  }
}

// Second half: the candidate from (rt . Ht-1) * Rh^T and the new state.
template <typename T>
__global__ void GruUpdateKernel(RecurrentLayer l, int64_t d, int64_t step,
                                const float* __restrict__ x_proj, const float* __restrict__ h_in,
                                const float* __restrict__ z_in, const float* __restrict__ reset_h,
                                float* __restrict__ h_out) {
  const int64_t hidden = l.hidden;
  const int64_t gates = 3 * hidden;
  const int64_t n = l.batch * hidden;
  const T* r_d = static_cast<const T*>(l.r) + d * gates * hidden;
  const T* w_bias = l.bias != nullptr ? static_cast<const T*>(l.bias) + d * 2 * gates : nullptr;
  const T* r_bias = w_bias != nullptr ? w_bias + gates : nullptr;
  const RecurrentFunction& g = l.functions[d][1];
  for (int64_t idx = GridStart(); idx < n; idx += GridStride()) {
    const int64_t b = idx / hidden, j = idx % hidden;
    const StepRow row = RowAt(l, d, step, b, x_proj);
    if (row.t < 0) {
      h_out[idx] = h_in[idx];
      continue;
    }
    const int64_t k = 2 * hidden + j;
    const float w_b = w_bias != nullptr ? Load(w_bias, k) : 0.0f;
    const float r_b = w_bias != nullptr ? Load(r_bias, k) : 0.0f;
    const float recurrent = RecurrentDot(l, r_d, reset_h, b, k) + r_b;
    const float candidate = Activate(g, Clip(l, row.xp[k] + w_b + recurrent));
    const float z = z_in[idx];
    const float h = (1.0f - z) * candidate + z * h_in[idx];
    h_out[idx] = h;
    if (l.y != nullptr) Store(static_cast<T*>(l.y), YOffset(l, row.t, d, b) + j, h);
  }
}

template <typename T>
cudaError_t Forward(const RecurrentLayer& l, float* workspace, cudaStream_t stream) {
  const int64_t state = l.batch * l.hidden;
  const int64_t y_volume = l.seq * l.num_directions * state;
  if (l.y != nullptr && y_volume > 0) {
    ZeroKernel<T><<<Blocks(y_volume), kThreads, 0, stream>>>(y_volume, static_cast<T*>(l.y));
  }
  if (state == 0) return cudaGetLastError();
  const int64_t projected = l.seq * l.batch * Gates(l.cell) * l.hidden;
  float* x_proj = workspace;
  float* h[2] = {x_proj + projected, x_proj + projected + state};
  float* c[2] = {h[1] + state, h[1] + 2 * state};
  float* gru_z = c[1] + state;
  float* gru_reset_h = gru_z + state;
  const bool lstm = l.cell == kLstmCell;
  for (int64_t d = 0; d < l.num_directions; ++d) {
    if (projected > 0) {
      ProjectKernel<T><<<Blocks(projected), kThreads, 0, stream>>>(l, d, x_proj);
    }
    InitStateKernel<T><<<Blocks(state), kThreads, 0, stream>>>(l, d, h[0], lstm ? c[0] : nullptr);
    int cur = 0;
    for (int64_t step = 0; step < l.seq; ++step) {
      if (l.cell == kGruCell && !l.linear_before_reset) {
        GruGatesKernel<T><<<Blocks(state), kThreads, 0, stream>>>(l, d, step, x_proj, h[cur],
                                                                   gru_z, gru_reset_h);
        GruUpdateKernel<T><<<Blocks(state), kThreads, 0, stream>>>(
            l, d, step, x_proj, h[cur], gru_z, gru_reset_h, h[1 - cur]);
      } else {
        CellKernel<T><<<Blocks(state), kThreads, 0, stream>>>(
            l, d, step, x_proj, h[cur], h[1 - cur], lstm ? c[cur] : nullptr,
            lstm ? c[1 - cur] : nullptr);
      }
      cur = 1 - cur;
    }
    FinalStateKernel<T><<<Blocks(state), kThreads, 0, stream>>>(l, d, h[cur],
                                                                lstm ? c[cur] : nullptr);
    const cudaError_t error = cudaGetLastError();
    if (error != cudaSuccess) return error;
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t RecurrentForward(const RecurrentLayer& layer, float* workspace, cudaStream_t stream) {
  return layer.fp16 ? Forward<__half>(layer, workspace, stream)
                    : Forward<float>(layer, workspace, stream);
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
