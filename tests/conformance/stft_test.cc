// Conformance of every STFT tactic against cpu_ref.stft.direct (the O(n^2)
// DFT of each windowed frame in double).
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2), fp16 tensors <= 5e-3
// (kFp16RelL2), as for DFT. Cases cover real and complex signals, a window
// (a constant) or none, frame_length given or taken from the window or the
// signal, hops of 1 to 5 and onesided either way.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/stft.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int64_t length = UniformInt(rng, 1, 40);
  StftParams p;
  p.frame_step = UniformInt(rng, 1, 5);
  p.onesided = Chance(rng, 0.5);
  const bool window = Chance(rng, 0.6);
  // frame_length: given, or the window's size (attribute 0), or the whole
  // signal (neither).
  const int64_t frame_length = UniformInt(rng, 1, length);
  if (!window || Chance(rng, 0.5)) p.frame_length = Chance(rng, 0.2) && !window ? 0 : frame_length;
  OpCase c;
  c.op = kStftOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, {SmallDim(rng, 4), length, Chance(rng, 0.5) ? 1 : 2},
                                      rng))};
  if (window) c.inputs.push_back(Constant(RandomFloatTensor(dtype, {frame_length}, rng, 0.0f, 1.0f)));
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

class StftConformanceTest : public ConformanceTest {};

TEST_P(StftConformanceTest, Fp32RandomSignals) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 20, rng));
}

TEST_P(StftConformanceTest, Fp16RandomSignals) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

KILN_CONFORMANCE_INSTANTIATE(StftConformanceTest, kStftOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
