// Conformance of every OneHot tactic against cpu_ref.one_hot.direct.
//
// Bound: bit-exact for every output dtype (values are placed, not computed).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/one_hot.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Indices of rank 1 to 3 (int32, int64 or fp32 with fractions, truncated)
// in [-depth - 2, depth + 2]: negative ones count from the end, those
// outside [-depth, depth) give an all-off row. Any output axis, off/on
// values that differ per case.
OpCase RandomCase(DataType index_type, DataType out_type, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 3));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 7));
  OneHotParams p;
  p.depth = SmallDim(rng, 13);
  p.axis = UniformInt(rng, -(rank + 1), rank);
  p.dtype = out_type;
  p.values = Chance(rng, 0.5) ? std::vector<float>{0.0f, 1.0f}
                              : std::vector<float>{static_cast<float>(UniformInt(rng, -3, 3)),
                                                   static_cast<float>(UniformInt(rng, 4, 9)) + 0.5f};
  const double bound = static_cast<double>(p.depth + 2);
  Weights indices = index_type == DataType::kFloat32
                        ? RandomFloatTensor(index_type, dims, rng, -bound, bound)
                        : RandomTensor(index_type, dims, rng, -bound, bound);
  OpCase c;
  c.op = kOneHotOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(std::move(indices))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class OneHotConformanceTest : public ConformanceTest {};

TEST_P(OneHotConformanceTest, Fp32Output) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 12; ++i) {
    const DataType index_type =
        i % 3 == 0 ? DataType::kInt64 : (i % 3 == 1 ? DataType::kInt32 : DataType::kFloat32);
    cases.push_back(RandomCase(index_type, DataType::kFloat32, rng));
  }
  CheckCases(cases);
}

TEST_P(OneHotConformanceTest, EveryOutputType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType out_type : AllDataTypes()) {
    for (DataType index_type : {DataType::kInt32, DataType::kInt64, DataType::kFloat32}) {
      cases.push_back(RandomCase(index_type, out_type, rng));
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(OneHotConformanceTest, kOneHotOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
