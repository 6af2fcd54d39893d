// Conformance of every Shuffle tactic against cpu_ref.shuffle.direct.
//
// Bound: bit-exact for every dtype (random bytes: NaN payloads must survive).

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/shuffle.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

std::vector<int64_t> RandomPermutation(int64_t rank, std::mt19937& rng) {
  std::vector<int64_t> perm(rank);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  return perm;
}

// New dims for a tensor of `dims`: dim 0 kept with the 0 placeholder, the
// rest of the volume split into 0 to 3 factors, one of them maybe -1.
Dims RandomReshape(const Dims& dims, std::mt19937& rng) {
  int64_t rest = 1;
  for (size_t i = 1; i < dims.size(); ++i) rest *= dims[i];
  Dims shape = {0};
  const int factors = static_cast<int>(UniformInt(rng, rest == 1 ? 0 : 1, 3));
  for (int f = 0; f < factors; ++f) {
    // The last factor takes what is left; the others a divisor of it.
    int64_t size = rest;
    if (f + 1 < factors) {
      std::vector<int64_t> divisors;
      for (int64_t d = 1; d <= rest; ++d) {
        if (rest % d == 0) divisors.push_back(d);
      }
      size = divisors[UniformInt(rng, 0, static_cast<int64_t>(divisors.size()) - 1)];
    }
    shape.push_back(size);
    rest /= size;
  }
  if (shape.size() > 1 && Chance(rng, 0.4)) shape[UniformInt(rng, 1, shape.size() - 1)] = -1;
  return shape;
}

// Transpose, reshape and transpose, each present or not, on rank 1 to 4
// (transposes may move the batch). Every case is valid by construction.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 8));
  ShuffleParams p;
  Dims current = dims;
  if (Chance(rng, 0.6)) {
    p.first_transpose = RandomPermutation(rank, rng);
    Dims permuted;
    for (int64_t axis : p.first_transpose) permuted.push_back(current[axis]);
    current = permuted;
  }
  if (Chance(rng, 0.6)) {
    p.has_reshape = true;
    p.reshape = RandomReshape(current, rng);
    ShuffleParams reshape_only;
    reshape_only.has_reshape = true;
    reshape_only.reshape = p.reshape;
    // Valid by construction; were it not, the case fails in shape inference.
    absl::StatusOr<Dims> reshaped = InferShuffleDims(reshape_only, current);
    if (reshaped.ok()) current = *reshaped;
  }
  if (Chance(rng, 0.5)) p.second_transpose = RandomPermutation(current.size(), rng);
  OpCase c;
  c.op = kShuffleOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class ShuffleConformanceTest : public ConformanceTest {};

TEST_P(ShuffleConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 20; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(ShuffleConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (int i = 0; i < 3; ++i) cases.push_back(RandomCase(dtype, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ShuffleConformanceTest, kShuffleOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
