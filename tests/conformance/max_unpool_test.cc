// Conformance of every MaxUnpool tactic against cpu_ref.max_unpool.direct.
//
// Bound: bit-exact for every dtype (a scatter of random bytes: NaN payloads
// must survive). Indices include duplicates (the last input element wins, as
// in cpu_ref's in-order scatter) and values outside the inferred tensor
// (skipped).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/max_unpool.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// 1 to 3 spatial dims, strides, pads, and now and then an output_shape
// larger than the inferred one.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  MaxUnpoolParams p;
  const int k = static_cast<int>(UniformInt(rng, 1, 3));
  Dims dims = {SmallDim(rng, 3), SmallDim(rng, 4)};
  p.kernel_shape.resize(k);
  p.strides.resize(k);
  p.pads.assign(2 * k, 0);
  std::vector<int64_t> inferred(k);
  int64_t inferred_volume = dims[0] * dims[1];
  for (int d = 0; d < k; ++d) {
    p.kernel_shape[d] = SmallDim(rng, 3);
    p.strides[d] = UniformInt(rng, 1, 3);
    if (Chance(rng, 0.3)) p.pads[d] = UniformInt(rng, 0, p.kernel_shape[d] - 1);
    if (Chance(rng, 0.3)) p.pads[k + d] = UniformInt(rng, 0, p.kernel_shape[d] - 1);
    int64_t size = SmallDim(rng, k == 3 ? 4 : 7);
    // Keep the inferred dim positive.
    while ((size - 1) * p.strides[d] - p.pads[d] - p.pads[k + d] + p.kernel_shape[d] < 1) ++size;
    dims.push_back(size);
    inferred[d] = (size - 1) * p.strides[d] - p.pads[d] - p.pads[k + d] + p.kernel_shape[d];
    inferred_volume *= inferred[d];
  }
  if (Chance(rng, 0.3)) {
    p.output_shape = {dims[0], dims[1]};
    for (int d = 0; d < k; ++d) p.output_shape.push_back(inferred[d] + UniformInt(rng, 0, 2));
  }
  // Indices over the whole inferred tensor, a few out of range on each side.
  Weights indices =
      RandomTensor(DataType::kInt64, dims, rng, -2.0, static_cast<double>(inferred_volume + 1));
  OpCase c;
  c.op = kMaxUnpoolOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomBits(dtype, dims, rng)), Input(std::move(indices))};
  c.tolerance = Tolerance::BitExact();
  return c;
}

class MaxUnpoolConformanceTest : public ConformanceTest {};

TEST_P(MaxUnpoolConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 12; ++i) cases.push_back(RandomCase(DataType::kFloat32, rng));
  CheckCases(cases);
}

TEST_P(MaxUnpoolConformanceTest, EveryDataType) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (DataType dtype : AllDataTypes()) cases.push_back(RandomCase(dtype, rng));
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(MaxUnpoolConformanceTest, kMaxUnpoolOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
