// Conformance of every MatMulInteger tactic against
// cpu_ref.matmul_integer.direct.
//
// Bound: bit-exact (int32 arithmetic; sums wrap modulo 2^32, which the
// "wide values" cases exercise).

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/matmul_integer.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// a (the network input, dim 0 the batch) of rank 2 to 4; b a constant of
// rank 2 to 4 whose batch dims broadcast against a's (size 1 or equal, fewer
// or more of them).
OpCase RandomCase(bool wide, std::mt19937& rng) {
  const int a_rank = static_cast<int>(UniformInt(rng, 2, 4));
  const int b_rank = static_cast<int>(UniformInt(rng, 2, 4));
  const int64_t m = SmallDim(rng, 9), k = SmallDim(rng, 17), n = SmallDim(rng, 9);
  const int batch_rank = std::max(a_rank, b_rank) - 2;
  Dims batch;
  for (int d = 0; d < batch_rank; ++d) batch.push_back(SmallDim(rng, 4));
  Dims a_dims, b_dims;
  for (int d = batch_rank - (a_rank - 2); d < batch_rank; ++d) {
    a_dims.push_back(Chance(rng, 0.25) ? 1 : batch[d]);
  }
  for (int d = batch_rank - (b_rank - 2); d < batch_rank; ++d) {
    b_dims.push_back(Chance(rng, 0.25) ? 1 : batch[d]);
  }
  a_dims.insert(a_dims.end(), {m, k});
  b_dims.insert(b_dims.end(), {k, n});
  const double lo = wide ? -2147483648.0 : -255.0, hi = wide ? 2147483647.0 : 255.0;
  OpCase c;
  c.op = kMatMulIntegerOp;
  c.inputs = {Input(RandomTensor(DataType::kInt32, a_dims, rng, lo, hi)),
              Constant(RandomTensor(DataType::kInt32, b_dims, rng, lo, hi))};
  c.tolerance = Tolerance::BitExact();
  // A batch-1 run of a broadcast a would no longer match b's batch dims.
  c.run_batch_one = a_rank == 2 || a_dims[0] == 1;
  return c;
}

class MatMulIntegerConformanceTest : public ConformanceTest {};

TEST_P(MatMulIntegerConformanceTest, RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) cases.push_back(RandomCase(false, rng));
  CheckCases(cases);
}

TEST_P(MatMulIntegerConformanceTest, WideValuesWrap) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (int i = 0; i < 6; ++i) cases.push_back(RandomCase(true, rng));
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(MatMulIntegerConformanceTest, kMatMulIntegerOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
