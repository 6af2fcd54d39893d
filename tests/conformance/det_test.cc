// Conformance of every Det tactic against cpu_ref.det.direct (LU with
// partial pivoting in double).
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2); the reference eliminates in
// double, so a tactic doing the same elimination in double matches it to the
// final rounding, and one pivoting or accumulating differently stays well
// inside the bound for the sizes drawn here (m <= 9). fp16 tensors <= 5e-3
// (kFp16RelL2). Cases have at least kMinElementsPerItem matrices per batch
// item, with exactly singular matrices (a repeated row) and ties between
// pivot candidates (integer entries) among them.

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/det.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Batches of matrices (*, m, m) of rank 3 or 4, m in 1..9 (network inputs
// have no zero-sized dims). Entries are uniform in [-1, 1), or (fp32) integers in
// [-3, 3] one case in four: ties between pivot candidates and exact zeros.
// One case in four copies row 0 into the last row of every other matrix
// (singular; the others keep the relative error meaningful).
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 3, 4));
  const int64_t m = UniformInt(rng, 1, 9);
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank - 2; ++d) dims.push_back(SmallDim(rng, 17));
  dims.push_back(m);
  dims.push_back(m);
  Weights x = RandomFloatTensor(dtype, dims, rng);
  if (dtype == DataType::kFloat32 && Chance(rng, 0.25)) {
    float* v = x.mutable_as<float>();
    for (int64_t e = 0; e < Volume(dims); ++e) v[e] = std::round(3.0f * v[e]);
  }
  if (m > 1 && Chance(rng, 0.25)) {
    const int64_t count = Volume(dims) / (m * m);
    const size_t elem = dtype == DataType::kFloat16 ? 2 : 4;
    uint8_t* bytes = static_cast<uint8_t*>(x.mutable_data());
    for (int64_t i = 1; i < count; i += 2) {
      std::memcpy(bytes + (i * m * m + (m - 1) * m) * elem, bytes + i * m * m * elem, m * elem);
    }
  }
  OpCase c;
  c.op = kDetOp;
  c.inputs = {Input(std::move(x))};
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

class DetConformanceTest : public ConformanceTest {};

TEST_P(DetConformanceTest, Fp32RandomMatrices) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 16, rng));
}

TEST_P(DetConformanceTest, Fp16RandomMatrices) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 8, rng));
}

KILN_CONFORMANCE_INSTANTIATE(DetConformanceTest, kDetOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
