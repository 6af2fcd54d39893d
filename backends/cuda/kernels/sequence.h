#ifndef KILN_BACKENDS_CUDA_KERNELS_SEQUENCE_H_
#define KILN_BACKENDS_CUDA_KERNELS_SEQUENCE_H_

// Launchers of the recurrent, signal and linear-algebra kernels (Einsum,
// Det, RNN/GRU/LSTM, DFT, STFT, TfIdfVectorizer): kernels/linalg.cu,
// kernels/recurrent.cu, kernels/signal.cu. Plain C++ with CUDA types only,
// like kernels.h. Float tensors are fp32, or fp16 (IEEE half) when `fp16`:
// kernels load half as float, compute in float (double where cpu_ref does)
// and round once when storing, as cpu_ref does. Every launcher enqueues on
// `stream` and returns the launch's error; zero elements launch nothing.

#include <cuda_runtime.h>

#include <cstdint>

namespace kiln {
namespace cuda {
namespace kernels {

// ---- Einsum (kernels/linalg.cu) ----

inline constexpr int kEinsumMaxLabels = 16;
inline constexpr int kEinsumMaxOperands = 8;

// The equation resolved for one run: per label its size, per input its
// element stride for each label (the sum of the strides of its dims with
// that label, so a repeated label walks the diagonal; 0 where the input
// lacks the label or broadcasts it).
struct EinsumShape {
  int num_inputs = 0;
  int num_output_labels = 0;  // output dims, outermost first
  int num_summed_labels = 0;  // summed labels, outermost first
  int output_labels[kEinsumMaxLabels] = {};
  int summed_labels[kEinsumMaxLabels] = {};
  int64_t sizes[kEinsumMaxLabels] = {};
  int64_t strides[kEinsumMaxOperands][kEinsumMaxLabels] = {};
  const void* inputs[kEinsumMaxOperands] = {};
};
// One thread per output element; the products of the inputs and their sum
// are in double, in cpu_ref's order (row-major over the summed labels).
cudaError_t Einsum(bool fp16, const EinsumShape& shape, int64_t out_volume, void* out,
                   cudaStream_t stream);

// ---- Det (kernels/linalg.cu) ----

// det of `count` m x m matrices (row-major) by LU with partial pivoting in
// double, one thread per matrix, in `scratch` (count * m * m doubles).
cudaError_t Det(bool fp16, int64_t count, int64_t m, const void* in, double* scratch, void* out,
                cudaStream_t stream);

// ---- RNN, GRU, LSTM (kernels/recurrent.cu) ----

enum RecurrentCell : int { kRnnCell = 0, kGruCell, kLstmCell };

// One activation function: `type` is kiln::RecurrentActivationType as an int.
struct RecurrentFunction {
  int type = 0;
  float alpha = 0.0f, beta = 0.0f;
};

// A whole layer for one run, in ops/recurrent.h's terms. Float tensors are
// all fp32 or all fp16 (`fp16`); absent inputs and unrequested outputs are
// null. sequence_lens is int32, or int64 when `lens_64`.
struct RecurrentLayer {
  int cell = kRnnCell;
  bool fp16 = false;
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, num_directions = 1, layout = 0;
  bool reversed[2] = {false, false};          // per direction
  RecurrentFunction functions[2][3];          // per direction: f, g, h
  bool has_clip = false;
  float clip = 0.0f;
  bool linear_before_reset = false;  // GRU
  bool input_forget = false;         // LSTM
  const void* x = nullptr;
  const void* w = nullptr;
  const void* r = nullptr;
  const void* bias = nullptr;
  const void* lens = nullptr;
  bool lens_64 = false;
  const void* initial_h = nullptr;
  const void* initial_c = nullptr;  // LSTM
  const void* peephole = nullptr;   // LSTM
  void* y = nullptr;
  void* y_h = nullptr;
  void* y_c = nullptr;  // LSTM
};

// Gate blocks of a cell (RNN 1, GRU 3, LSTM 4).
inline int64_t RecurrentGates(int cell) { return cell == kRnnCell ? 1 : cell == kGruCell ? 3 : 4; }

// Workspace floats of RecurrentForward: the input projections of every step
// [seq*batch, gates*hidden] and six [batch, hidden] buffers (two hidden and
// two cell states, double-buffered across steps; GRU's z gate and r . Ht-1).
inline int64_t RecurrentWorkspaceFloats(int cell, int64_t seq, int64_t batch, int64_t hidden) {
  return seq * batch * RecurrentGates(cell) * hidden + 6 * batch * hidden;
}

// cpu_ref's recurrence: Y zeroed, then per direction one projection kernel
// for every step's X*W^T and one or two kernels per time step (the
// recurrent dot products, the gates and the state update), steps past a
// row's sequence length keeping its state; finally Y_h (Y_c).
cudaError_t RecurrentForward(const RecurrentLayer& layer, float* workspace, cudaStream_t stream);

// ---- DFT, STFT, TfIdfVectorizer (kernels/signal.cu) ----

// DFT of x viewed as (outer, in_len, inner, in_complex) along in_len: out
// (outer, out_len, inner, 2), X[k] = scale * sum_{t < min(in_len, n)} x[t] *
// exp(sign * 2*pi*i * ((k*t) mod n) / n) in double, one thread per output.
struct DftShape {
  int64_t outer = 1, in_len = 0, inner = 1, in_complex = 1, n = 0, out_len = 0;
  bool inverse = false;
};
cudaError_t Dft(bool fp16, const DftShape& shape, const void* in, void* out, cudaStream_t stream);

// STFT of signal (batch, length, in_complex) with an optional window
// (frame_length): out (batch, frames, bins, 2), in double.
struct StftShape {
  int64_t batch = 0, length = 0, in_complex = 1, frames = 0, bins = 0, frame_length = 0,
          frame_step = 1;
};
cudaError_t Stft(bool fp16, const StftShape& shape, const void* signal, const void* window,
                 void* out, cudaStream_t stream);

// TfIdfVectorizer's pool, passed to the kernels by value (kernel parameters
// may hold up to 32 KB on sm_70 and newer with CUDA 12.1+).
inline constexpr int kTfIdfMaxTokens = 1024;  // pool_int64s
inline constexpr int kTfIdfMaxNgrams = 512;   // n-grams counted
inline constexpr int kTfIdfMaxWeights = 1024; // output columns, when weighted
enum TfIdfMode : int { kTfIdfTf = 0, kTfIdfIdf, kTfIdfTfIdf };
struct TfIdfPool {
  int mode = kTfIdfTf;
  int64_t min_gram = 1, max_gram = 1, max_skip = 0;
  // The counted n-grams in pool order (the last match wins, as in cpu_ref).
  int num_ngrams = 0;
  int32_t ngram_size[kTfIdfMaxNgrams] = {};
  int32_t ngram_offset[kTfIdfMaxNgrams] = {};  // into tokens
  int32_t ngram_column[kTfIdfMaxNgrams] = {};
  int64_t tokens[kTfIdfMaxTokens] = {};
  bool has_weights = false;
  float weights[kTfIdfMaxWeights] = {};
};
// rows x row_size tokens (int32, or int64 when `tokens_64`) to rows x
// columns fp32.
cudaError_t TfIdfVectorize(const TfIdfPool& pool, int64_t rows, int64_t row_size,
                           int64_t columns, const void* in, bool tokens_64, float* out,
                           cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_SEQUENCE_H_
