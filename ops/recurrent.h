#ifndef KILN_OPS_RECURRENT_H_
#define KILN_OPS_RECURRENT_H_

// What the ONNX-style recurrent ops (RNN, GRU, LSTM) share: their attributes,
// the activation functions they may name, shape inference, and the index
// arithmetic of their layouts, so that ops/{rnn,gru,lstm}.cc and their
// kernels stay small and agree with each other.
//
// Inputs (ONNX order; -1 for an omitted optional one):
//   0 X [seq, batch, input] (layout 0) or [batch, seq, input] (layout 1)
//   1 W [num_directions, gates*hidden, input]
//   2 R [num_directions, gates*hidden, hidden]
//   3 B [num_directions, 2*gates*hidden] (W biases then R biases; default 0)
//   4 sequence_lens [batch], int32 or int64 (default: every sequence is full)
//   5 initial_h [num_directions, batch, hidden] (layout 1: [batch, num_directions,
//     hidden]; default 0)
//   6 initial_c (LSTM, like initial_h)   7 P (LSTM peepholes [num_directions, 3*hidden])
// Outputs: Y [seq, num_directions, batch, hidden] (layout 1: [batch, seq,
// num_directions, hidden]), Y_h (like initial_h), Y_c (LSTM, like initial_h).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/types.h"
#include "graph/op_registry.h"

namespace kiln {

enum class RecurrentKind { kRnn, kGru, kLstm };

// Gate blocks stacked in W, R (RNN 1; GRU 3: z, r, h; LSTM 4: i, o, f, c).
int RecurrentGateCount(RecurrentKind kind);
// Activation functions per direction (RNN 1: f; GRU 2: f, g; LSTM 3: f, g, h).
int RecurrentActivationCount(RecurrentKind kind);

enum class RecurrentDirection { kForward, kReverse, kBidirectional };

// The activation functions ONNX allows in recurrent ops.
enum class RecurrentActivationType {
  kRelu,
  kTanh,
  kSigmoid,
  kAffine,
  kLeakyRelu,
  kThresholdedRelu,
  kScaledTanh,
  kHardSigmoid,
  kElu,
  kSoftsign,
  kSoftplus,
};

struct RecurrentActivation {
  RecurrentActivationType type = RecurrentActivationType::kTanh;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// Same formulas as the ONNX operators of the same names.
inline float ApplyRecurrentActivation(const RecurrentActivation& f, float x) {
  switch (f.type) {
    case RecurrentActivationType::kRelu:
      return x > 0.0f ? x : 0.0f;
    case RecurrentActivationType::kTanh:
      return std::tanh(x);
    case RecurrentActivationType::kSigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case RecurrentActivationType::kAffine:
      return f.alpha * x + f.beta;
    case RecurrentActivationType::kLeakyRelu:
      return x < 0.0f ? f.alpha * x : x;
    case RecurrentActivationType::kThresholdedRelu:
      return x > f.alpha ? x : 0.0f;
    case RecurrentActivationType::kScaledTanh:
      return f.alpha * std::tanh(f.beta * x);
    case RecurrentActivationType::kHardSigmoid:
      return std::max(0.0f, std::min(1.0f, f.alpha * x + f.beta));
    case RecurrentActivationType::kElu:
      return x < 0.0f ? f.alpha * std::expm1(x) : x;
    case RecurrentActivationType::kSoftsign:
      return x / (1.0f + std::fabs(x));
    case RecurrentActivationType::kSoftplus:
      return x > 20.0f ? x : std::log1p(std::exp(x));
  }
  return x;
}

struct RecurrentParams {
  int64_t hidden_size = 0;  // 0: taken from R's last dim
  RecurrentDirection direction = RecurrentDirection::kForward;
  int64_t layout = 0;     // 0: time-major X/Y; 1: batch-major
  bool has_clip = false;  // clip gate pre-activations to [-clip, clip]
  float clip = 0.0f;
  // ONNX names ("Sigmoid", "Tanh", ...; case-insensitive), RecurrentActivationCount
  // per direction, forward first. Empty: the op's ONNX defaults.
  std::vector<std::string> activations;
  // Consumed in order by the activations that take an alpha (beta); a
  // function whose value is not in the list gets its ONNX default.
  std::vector<float> activation_alpha;
  std::vector<float> activation_beta;
  bool linear_before_reset = false;  // GRU only
  bool input_forget = false;         // LSTM only: couple the forget gate to 1 - input gate

  // Filled by FromAttrs: `activations` resolved, num_directions * count entries.
  std::vector<RecurrentActivation> functions;

  int64_t num_directions() const { return direction == RecurrentDirection::kBidirectional ? 2 : 1; }
  // Whether direction `d` (0 or 1) runs from the last time step to the first.
  bool reversed(int64_t d) const {
    return direction == RecurrentDirection::kReverse ||
           (direction == RecurrentDirection::kBidirectional && d == 1);
  }
  // Activation `k` (f = 0, g = 1, h = 2) of direction `d`.
  const RecurrentActivation& function(int64_t d, int k, RecurrentKind kind) const {
    return functions[d * RecurrentActivationCount(kind) + k];
  }
  float Clip(float x) const { return has_clip ? std::min(std::max(x, -clip), clip) : x; }

  AttrMap ToAttrs(RecurrentKind kind) const;
  static absl::StatusOr<RecurrentParams> FromAttrs(const AttrMap& attrs, RecurrentKind kind);
};

// Sizes of one recurrent layer and the offsets of its layouts, in elements.
struct RecurrentShape {
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, num_directions = 1, layout = 0;

  // Row of X (seen as a [seq*batch, input] matrix) holding time t of batch b.
  int64_t XRow(int64_t t, int64_t b) const { return layout == 0 ? t * batch + b : b * seq + t; }
  // First element of Y[t, d, b, :] (layout 0) or Y[b, t, d, :] (layout 1).
  int64_t YOffset(int64_t t, int64_t d, int64_t b) const {
    return (layout == 0 ? (t * num_directions + d) * batch + b
                        : (b * seq + t) * num_directions + d) *
           hidden;
  }
  // First element of a state tensor (initial_h, Y_h, ...) for direction d, batch b.
  int64_t StateOffset(int64_t d, int64_t b) const {
    return (layout == 0 ? d * batch + b : b * num_directions + d) * hidden;
  }
};

// From the dims of X and R (as validated by shape inference).
RecurrentShape RecurrentShapeOf(const Dims& x, const Dims& r, int64_t layout);

// Time steps of sequence b: sequence_lens[b] clamped to [0, seq], or seq
// when `lens` is null.
inline int64_t RecurrentSequenceLength(const void* lens, DataType dtype, int64_t b, int64_t seq) {
  if (lens == nullptr) return seq;
  const int64_t len = dtype == DataType::kInt64 ? static_cast<const int64_t*>(lens)[b]
                                                : static_cast<const int32_t*>(lens)[b];
  return std::min(std::max<int64_t>(len, 0), seq);
}

// Shape inference shared by RNN, GRU and LSTM.
absl::StatusOr<std::vector<TensorDesc>> InferRecurrent(const InferenceContext& ctx,
                                                       RecurrentKind kind);

}  // namespace kiln

#endif  // KILN_OPS_RECURRENT_H_
