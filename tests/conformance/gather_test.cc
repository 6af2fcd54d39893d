// Conformance of every Gather tactic against cpu_ref.gather.direct.
//
// Bound: bit-exact for every data dtype (random bytes: NaN payloads must
// survive), int32 and int64 indices.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/gather.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Indices in [-dim, dim): negative ones count from the end.
Weights RandomIndices(DataType dtype, const Dims& dims, int64_t dim, std::mt19937& rng) {
  return RandomTensor(dtype, dims, rng, -static_cast<double>(dim), static_cast<double>(dim - 1));
}

// Data of rank 1 to 4 gathered along any axis (positive or negative, the
// batch included) with indices of rank 0 to 2. The indices are a constant,
// or one case in four a network input of shape (N, k) (dim 0 is the batch).
OpCase RandomCase(DataType dtype, DataType index_type, bool network_indices, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 13));
  const int64_t axis = UniformInt(rng, 0, rank - 1);
  Dims index_dims;
  if (network_indices) {
    index_dims = {dims[0], SmallDim(rng, 5)};
  } else {
    const int index_rank = static_cast<int>(UniformInt(rng, 0, 2));
    for (int d = 0; d < index_rank; ++d) index_dims.push_back(SmallDim(rng, 7));
  }
  Weights indices = RandomIndices(index_type, index_dims, dims[axis], rng);
  OpCase c;
  c.op = kGatherOp;
  c.attrs = GatherParams{Chance(rng, 0.3) ? axis - rank : axis}.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng)),
              network_indices ? Input(std::move(indices)) : Constant(std::move(indices))};
  c.tolerance = Tolerance::BitExact();
  // Indices into the batch dim are out of range at batch 1.
  c.run_batch_one = axis != 0;
  return c;
}

class GatherConformanceTest : public ConformanceTest {};

TEST_P(GatherConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) {
    cases.push_back(RandomCase(DataType::kFloat32, i % 2 ? DataType::kInt32 : DataType::kInt64,
                               i % 4 == 3, rng));
  }
  CheckCases(cases);
}

TEST_P(GatherConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (DataType index_type : {DataType::kInt32, DataType::kInt64}) {
      cases.push_back(RandomCase(dtype, index_type, Chance(rng, 0.25), rng));
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(GatherConformanceTest, kGatherOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
