// Conformance of every GatherElements tactic against
// cpu_ref.gather_elements.direct.
//
// Bound: bit-exact for every data dtype (random bytes: NaN payloads must
// survive), int32 and int64 indices.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/gather_elements.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Data of rank 1 to 4, any axis (positive or negative, the batch included);
// indices of data's rank with dims no larger off the axis and any size
// along it, values in [-n, n) (negative ones count from the end). Half the
// cases take the indices as a network input (sharing the batch dim).
OpCase RandomCase(DataType dtype, DataType index_type, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 8));
  const int64_t axis = UniformInt(rng, 0, rank - 1);
  const bool network_indices = Chance(rng, 0.5);
  Dims index_dims;
  for (int d = 0; d < rank; ++d) {
    if (d == 0 && network_indices) {
      index_dims.push_back(dims[0]);
    } else if (d == axis) {
      index_dims.push_back(SmallDim(rng, 7));
    } else {
      index_dims.push_back(UniformInt(rng, 1, dims[d]));
    }
  }
  const double n = static_cast<double>(dims[axis]);
  Weights indices = RandomTensor(index_type, index_dims, rng, -n, n - 1);
  OpCase c;
  c.op = kGatherElementsOp;
  c.attrs = GatherElementsParams{Chance(rng, 0.3) ? axis - rank : axis}.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng)),
              network_indices ? Input(std::move(indices)) : Constant(std::move(indices))};
  c.tolerance = Tolerance::BitExact();
  // Constant indices may be larger than data at batch 1, and indices into
  // the batch dim out of range there.
  c.run_batch_one = network_indices && axis != 0;
  return c;
}

class GatherElementsConformanceTest : public ConformanceTest {};

TEST_P(GatherElementsConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) {
    cases.push_back(
        RandomCase(DataType::kFloat32, i % 2 ? DataType::kInt32 : DataType::kInt64, rng));
  }
  CheckCases(cases);
}

TEST_P(GatherElementsConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (DataType index_type : {DataType::kInt32, DataType::kInt64}) {
      cases.push_back(RandomCase(dtype, index_type, rng));
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(GatherElementsConformanceTest, kGatherElementsOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
