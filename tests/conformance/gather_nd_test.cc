// Conformance of every GatherND tactic against cpu_ref.gather_nd.direct.
//
// Bound: bit-exact for every data dtype (random bytes: NaN payloads must
// survive), int32 and int64 indices.

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/gather_nd.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Index tuples of `dims` (last dim k): coordinate j in [-sizes[j], sizes[j]).
Weights RandomTuples(DataType index_type, const Dims& dims, const Dims& sizes,
                     std::mt19937& rng) {
  Weights w(index_type, dims);
  const int64_t k = dims.back();
  for (int64_t i = 0; i < Volume(dims); ++i) {
    const int64_t size = sizes[i % k];
    const int64_t v = UniformInt(rng, -size, size - 1);
    if (index_type == DataType::kInt64) {
      w.mutable_as<int64_t>()[i] = v;
    } else {
      w.mutable_as<int32_t>()[i] = static_cast<int32_t>(v);
    }
  }
  return w;
}

// Data of rank 1 to 4, batch_dims 0 to 2 (< rank), tuples of k in
// 1..rank - b coordinates with 0 to 2 dims of tuples. With batch_dims the
// indices share data's batch dims and are a network input; without, a
// constant that indexes the batch dim too.
OpCase RandomCase(DataType dtype, DataType index_type, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 7));
  const int64_t b = UniformInt(rng, 0, std::min(2, rank - 1));
  const int64_t k = UniformInt(rng, 1, rank - b);
  Dims index_dims(dims.begin(), dims.begin() + b);
  const int tuple_rank = static_cast<int>(UniformInt(rng, 0, 2));
  for (int d = 0; d < tuple_rank; ++d) index_dims.push_back(SmallDim(rng, 5));
  index_dims.push_back(k);
  const Dims sizes(dims.begin() + b, dims.begin() + b + k);
  Weights indices = RandomTuples(index_type, index_dims, sizes, rng);
  OpCase c;
  c.op = kGatherNDOp;
  c.attrs = GatherNDParams{b}.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng)),
              b > 0 ? Input(std::move(indices)) : Constant(std::move(indices))};
  c.tolerance = Tolerance::BitExact();
  // Without batch dims the tuples index the batch dim: out of range at 1.
  c.run_batch_one = b > 0;
  return c;
}

class GatherNDConformanceTest : public ConformanceTest {};

TEST_P(GatherNDConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) {
    cases.push_back(
        RandomCase(DataType::kFloat32, i % 2 ? DataType::kInt32 : DataType::kInt64, rng));
  }
  CheckCases(cases);
}

TEST_P(GatherNDConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) {
    for (DataType index_type : {DataType::kInt32, DataType::kInt64}) {
      cases.push_back(RandomCase(dtype, index_type, rng));
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(GatherNDConformanceTest, kGatherNDOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
