// Conformance of every ScatterND tactic against cpu_ref.scatter_nd.direct.
//
// Bounds: "none" is bit-exact for every dtype (random bytes); reductions
// over int8/int32/int64 are bit-exact (wrapping); over fp32 relative L2
// <= 1e-5 (kFp32RelL2) and fp16 <= 5e-3 (kFp16RelL2). Tuples are drawn from
// small dims so duplicates are common: their order matters for "none", mul
// and add.

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/scatter_nd.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

const char* const kReductions[] = {"none", "add", "mul", "max", "min"};

bool IsFloat(DataType t) { return t == DataType::kFloat32 || t == DataType::kFloat16; }

Weights RandomValues(DataType dtype, const Dims& dims, const std::string& r, std::mt19937& rng) {
  if (r == "none") return RandomBits(dtype, dims, rng);
  if (IsFloat(dtype)) return RandomFloatTensor(dtype, dims, rng, -2.0f, 2.0f);
  return RandomTensor(dtype, dims, rng);
}

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

// Data of rank 1 to 4, tuples of k in 1..rank coordinates with 1 or 2 dims
// of tuples; indices and updates are constants (the tuples index the batch
// dim, so the case is not run at batch 1).
OpCase RandomCase(DataType dtype, DataType index_type, const std::string& r, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 7));
  const int64_t k = UniformInt(rng, 1, rank);
  Dims index_dims;
  const int tuple_rank = static_cast<int>(UniformInt(rng, 1, 2));
  for (int d = 0; d < tuple_rank; ++d) index_dims.push_back(SmallDim(rng, 7));
  Dims update_dims = index_dims;
  update_dims.insert(update_dims.end(), dims.begin() + k, dims.end());
  index_dims.push_back(k);
  const Dims sizes(dims.begin(), dims.begin() + k);
  OpCase c;
  c.op = kScatterNDOp;
  c.attrs = ScatterNDParams{r}.ToAttrs();
  c.inputs = {Input(RandomValues(dtype, dims, r, rng)),
              Constant(RandomTuples(index_type, index_dims, sizes, rng)),
              Constant(RandomValues(dtype, update_dims, r, rng))};
  c.tolerance = r == "none" || !IsFloat(dtype)
                    ? Tolerance::BitExact()
                    : Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  c.run_batch_one = false;
  return c;
}

class ScatterNDConformanceTest : public ConformanceTest {};

TEST_P(ScatterNDConformanceTest, Fp32EveryReduction) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (const char* r : kReductions) {
    for (int i = 0; i < 4; ++i) {
      cases.push_back(RandomCase(DataType::kFloat32, i % 2 ? DataType::kInt32 : DataType::kInt64,
                                 r, rng));
    }
  }
  CheckCases(cases);
}

TEST_P(ScatterNDConformanceTest, Fp16EveryReduction) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (const char* r : kReductions) {
    for (int i = 0; i < 2; ++i) cases.push_back(RandomCase(DataType::kFloat16, DataType::kInt64, r, rng));
  }
  CheckCases(cases);
}

TEST_P(ScatterNDConformanceTest, IntegerEveryReduction) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (DataType dtype : {DataType::kInt8, DataType::kInt32, DataType::kInt64}) {
    for (const char* r : kReductions) {
      cases.push_back(RandomCase(dtype, Chance(rng, 0.5) ? DataType::kInt32 : DataType::kInt64,
                                 r, rng));
    }
  }
  cases.push_back(RandomCase(DataType::kBool, DataType::kInt32, "none", rng));
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ScatterNDConformanceTest, kScatterNDOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
