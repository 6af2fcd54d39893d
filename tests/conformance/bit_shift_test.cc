// Conformance of every BitShift tactic against cpu_ref.bit_shift.direct.
//
// Bound: bit-exact (integer op).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/bit_shift.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

Dims ConstantDims(const Dims& dims, std::mt19937& rng) {
  Dims out;
  const int64_t drop = UniformInt(rng, 0, static_cast<int64_t>(dims.size()));
  for (size_t i = drop; i < dims.size(); ++i) out.push_back(Chance(rng, 0.5) ? 1 : dims[i]);
  return out;
}

// X of any sign and magnitude (bits above `width` must be masked off);
// shifts from -2 (a huge unsigned shift) to width + 2 (past the width).
// Y is a broadcast constant or, one case in three, a network input of X's
// dims.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  BitShiftParams p;
  p.left = Chance(rng, 0.5);
  const int64_t widths = dtype == DataType::kInt64 ? 4 : 3;
  p.width = int64_t{8} << UniformInt(rng, 0, widths - 1);
  const double range = dtype == DataType::kInt64 ? 1e15 : 2e9;
  Weights x = RandomTensor(dtype, dims, rng, -range, range);
  const double max_shift = static_cast<double>(p.width + 2);
  OpCase c;
  c.op = kBitShiftOp;
  c.attrs = p.ToAttrs();
  if (Chance(rng, 0.33)) {
    c.inputs = {Input(std::move(x)), Input(RandomTensor(dtype, dims, rng, -2, max_shift))};
  } else {
    c.inputs = {Input(std::move(x)),
                Constant(RandomTensor(dtype, ConstantDims(dims, rng), rng, -2, max_shift))};
  }
  c.tolerance = Tolerance::BitExact();
  return c;
}

class BitShiftConformanceTest : public ConformanceTest {};

TEST_P(BitShiftConformanceTest, Int32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(DataType::kInt32, rng));
  CheckCases(cases);
}

TEST_P(BitShiftConformanceTest, Int64RandomShapes) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(DataType::kInt64, rng));
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(BitShiftConformanceTest, kBitShiftOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
