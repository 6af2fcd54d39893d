// Conformance of every LSTM tactic against cpu_ref.lstm.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): tactics may sum the input
// and recurrent products in another order (GEMMs), which the recurrence
// carries over at most 7 steps with contracting activations; fp16 tensors
// <= 5e-3 (kFp16RelL2; states stay fp32 between steps, as in cpu_ref).
// Cases draw both layouts, every direction, optional inputs present or not,
// sequence_lens (int32 and int64, out-of-range lengths clamped), clip, every
// activation function, peepholes and input_forget.

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/lstm.h"
#include "ops/recurrent.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

constexpr RecurrentKind kKind = RecurrentKind::kLstm;
constexpr int64_t kGates = 4;
constexpr int kActivationsPerDirection = 3;
constexpr const char* kActivationNames[] = {
    "Relu",     "Tanh",      "Sigmoid",  "Affine",  "LeakyRelu", "ThresholdedRelu",
    "ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus"};

// Layout 0 has X [seq, batch, input] as the only network input (the batch
// run at 1 shortens the sequence); layout 1 has X [batch, seq, input] and
// the per-batch tensors (sequence_lens, initial states) as network inputs,
// so the batch-1 run takes the first batch row of each.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  RecurrentParams p;
  p.layout = Chance(rng, 0.5) ? 1 : 0;
  const int which = static_cast<int>(UniformInt(rng, 0, 2));
  p.direction = which == 0   ? RecurrentDirection::kForward
                : which == 1 ? RecurrentDirection::kReverse
                             : RecurrentDirection::kBidirectional;
  const int64_t nd = p.num_directions();
  const int64_t seq = UniformInt(rng, 1, 7);
  const int64_t batch = SmallDim(rng, 5);
  const int64_t input = SmallDim(rng, 9);
  const int64_t hidden = SmallDim(rng, 9);
  if (Chance(rng, 0.3)) p.hidden_size = hidden;
  if (Chance(rng, 0.3)) {
    p.has_clip = true;
    p.clip = static_cast<float>(UniformInt(rng, 1, 6)) * 0.5f;
  }
  if (Chance(rng, 0.4)) {
    for (int64_t k = 0; k < nd * kActivationsPerDirection; ++k) {
      p.activations.push_back(kActivationNames[UniformInt(rng, 0, 10)]);
    }
    if (Chance(rng, 0.5)) p.activation_alpha = {0.5f, 0.25f, 1.5f};
    if (Chance(rng, 0.5)) p.activation_beta = {0.25f, 0.75f};
  }
  p.input_forget = Chance(rng, 0.3);

  const bool layout1 = p.layout == 1;
  auto state = [&](float lo, float hi) {
    Weights w = RandomFloatTensor(dtype, layout1 ? Dims{batch, nd, hidden} : Dims{nd, batch, hidden},
                                  rng, lo, hi);
    return layout1 ? Input(std::move(w)) : Constant(std::move(w));
  };
  OpCase c;
  c.op = kLstmOp;
  c.attrs = p.ToAttrs(kKind);
  c.inputs.push_back(Input(RandomFloatTensor(
      dtype, layout1 ? Dims{batch, seq, input} : Dims{seq, batch, input}, rng)));
  c.inputs.push_back(Constant(RandomFloatTensor(dtype, {nd, kGates * hidden, input}, rng, -0.6f, 0.6f)));
  c.inputs.push_back(Constant(RandomFloatTensor(dtype, {nd, kGates * hidden, hidden}, rng, -0.6f, 0.6f)));
  const int optional = 5;  // inputs after R
  std::vector<bool> present(optional);
  for (int i = 0; i < optional; ++i) present[i] = Chance(rng, 0.6);
  // An input is given as omitted only when a later one is present.
  int last = optional - 1;
  while (last >= 0 && !present[last]) --last;
  for (int i = 0; i <= last; ++i) {
    const int index = 3 + i;
    if (!present[i]) {
      c.inputs.push_back(testutil::Omitted());
    } else if (index == 3) {
      c.inputs.push_back(Constant(RandomFloatTensor(dtype, {nd, 2 * kGates * hidden}, rng)));
    } else if (index == 4) {
      // Lengths in [-1, seq + 1]: cpu_ref clamps them to [0, seq].
      Weights lens = RandomTensor(Chance(rng, 0.5) ? DataType::kInt32 : DataType::kInt64, {batch},
                                  rng, -1, static_cast<double>(seq + 1));
      c.inputs.push_back(layout1 ? Input(std::move(lens)) : Constant(std::move(lens)));
    } else if (index == 5 || index == 6) {
      c.inputs.push_back(state(-1.0f, 1.0f));
    } else {
      c.inputs.push_back(Constant(RandomFloatTensor(dtype, {nd, 3 * hidden}, rng)));
    }
  }
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (int i = 0; i < count; ++i) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(dtype, rng); }));
  }
  return cases;
}

class LstmConformanceTest : public ConformanceTest {};

TEST_P(LstmConformanceTest, Fp32RandomLayers) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 24, rng));
}

TEST_P(LstmConformanceTest, Fp16RandomLayers) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 12, rng));
}

KILN_CONFORMANCE_INSTANTIATE(LstmConformanceTest, kLstmOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
