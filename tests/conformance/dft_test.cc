// Conformance of every DFT tactic against cpu_ref.dft.direct (the O(n^2)
// sum in double).
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): a tactic summing in double
// matches the reference to the final rounding, and an FFT in fp32 stays well
// inside the bound at these lengths (<= 40); fp16 tensors <= 5e-3
// (kFp16RelL2). Cases cover real and complex input, every signal axis
// (given positive or negative), zero-padding and truncation by dft_length,
// the inverse and the onesided transforms.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/dft.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// [batch, signal dims (1 or 2), 1 or 2]; the transform runs along a signal
// dim, never the batch.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int signal_rank = static_cast<int>(UniformInt(rng, 1, 2));
  const int rank = signal_rank + 2;
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 0; d < signal_rank; ++d) dims.push_back(UniformInt(rng, 1, signal_rank == 1 ? 40 : 13));
  dims.push_back(Chance(rng, 0.5) ? 1 : 2);
  DftParams p;
  const int64_t axis = UniformInt(rng, 1, rank - 2);
  p.axis = Chance(rng, 0.3) ? axis - rank : axis;
  if (Chance(rng, 0.4)) p.dft_length = UniformInt(rng, 1, 24);
  p.inverse = Chance(rng, 0.3);
  p.onesided = !p.inverse && Chance(rng, 0.4);
  OpCase c;
  c.op = kDftOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng))};
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

class DftConformanceTest : public ConformanceTest {};

TEST_P(DftConformanceTest, Fp32RandomSignals) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 20, rng));
}

TEST_P(DftConformanceTest, Fp16RandomSignals) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

KILN_CONFORMANCE_INSTANTIATE(DftConformanceTest, kDftOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
