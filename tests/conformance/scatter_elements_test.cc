// Conformance of every ScatterElements tactic against
// cpu_ref.scatter_elements.direct.
//
// Bounds: "none" is bit-exact for every dtype (random bytes); reductions
// over int8/int32/int64 are bit-exact (wrapping); over fp32 relative L2
// <= 1e-5 (kFp32RelL2) and fp16 <= 5e-3 (kFp16RelL2). Indices are drawn
// from a few values so duplicates are common: their order matters for
// "none", mul and add.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/scatter_elements.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

constexpr ScatterReduction kReductions[] = {ScatterReduction::kNone, ScatterReduction::kAdd,
                                            ScatterReduction::kMul, ScatterReduction::kMax,
                                            ScatterReduction::kMin};

bool IsFloat(DataType t) { return t == DataType::kFloat32 || t == DataType::kFloat16; }

Weights RandomValues(DataType dtype, const Dims& dims, ScatterReduction r, std::mt19937& rng) {
  if (r == ScatterReduction::kNone) return RandomBits(dtype, dims, rng);
  if (IsFloat(dtype)) return RandomFloatTensor(dtype, dims, rng, -2.0f, 2.0f);
  return RandomTensor(dtype, dims, rng);
}

// Data of rank 1 to 4, any axis (positive or negative); indices and updates
// of data's rank, no larger off the axis, any size along it, indices in
// [-n, n). Half the cases take indices and updates as network inputs
// (sharing the batch dim).
OpCase RandomCase(DataType dtype, DataType index_type, ScatterReduction r, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 7));
  const int64_t axis = UniformInt(rng, 0, rank - 1);
  const bool network = Chance(rng, 0.5);
  Dims index_dims;
  for (int d = 0; d < rank; ++d) {
    if (d == 0 && network) {
      index_dims.push_back(dims[0]);
    } else if (d == axis) {
      index_dims.push_back(SmallDim(rng, 8));
    } else {
      index_dims.push_back(UniformInt(rng, 1, dims[d]));
    }
  }
  const double n = static_cast<double>(dims[axis]);
  Weights indices = RandomTensor(index_type, index_dims, rng, -n, n - 1);
  Weights updates = RandomValues(dtype, index_dims, r, rng);
  ScatterElementsParams p;
  p.axis = Chance(rng, 0.3) ? axis - rank : axis;
  p.reduction = r;
  OpCase c;
  c.op = kScatterElementsOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomValues(dtype, dims, r, rng)),
              network ? Input(std::move(indices)) : Constant(std::move(indices)),
              network ? Input(std::move(updates)) : Constant(std::move(updates))};
  c.tolerance = r == ScatterReduction::kNone || !IsFloat(dtype)
                    ? Tolerance::BitExact()
                    : Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  // Constant indices may be larger than data at batch 1, and indices into
  // the batch dim out of range there.
  c.run_batch_one = network && axis != 0;
  return c;
}

class ScatterElementsConformanceTest : public ConformanceTest {};

TEST_P(ScatterElementsConformanceTest, Fp32EveryReduction) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (ScatterReduction r : kReductions) {
    for (int i = 0; i < 4; ++i) {
      cases.push_back(RandomCase(DataType::kFloat32, i % 2 ? DataType::kInt32 : DataType::kInt64,
                                 r, rng));
    }
  }
  CheckCases(cases);
}

TEST_P(ScatterElementsConformanceTest, Fp16EveryReduction) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (ScatterReduction r : kReductions) {
    for (int i = 0; i < 2; ++i) cases.push_back(RandomCase(DataType::kFloat16, DataType::kInt64, r, rng));
  }
  CheckCases(cases);
}

TEST_P(ScatterElementsConformanceTest, IntegerEveryReduction) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (DataType dtype : {DataType::kInt8, DataType::kInt32, DataType::kInt64}) {
    for (ScatterReduction r : kReductions) {
      cases.push_back(RandomCase(dtype, Chance(rng, 0.5) ? DataType::kInt32 : DataType::kInt64,
                                 r, rng));
    }
  }
  cases.push_back(RandomCase(DataType::kBool, DataType::kInt32, ScatterReduction::kNone, rng));
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ScatterElementsConformanceTest, kScatterElementsOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
