// Conformance of every PoolingNd and MaxPoolWithIndices tactic against
// cpu_ref.pooling_nd.direct / cpu_ref.max_pool_with_indices.direct.
//
// Bounds: max pooling selects an input value (and its index), so it is
// bit-exact in fp32 and fp16. Average pooling is fp32 arithmetic: relative
// L2 <= 1e-5 (kFp32RelL2), fp16 tensors <= 5e-3 (kFp16RelL2). Cases have at
// least kMinElementsPerItem outputs per batch item.

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/pooling_nd.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// 1 to 3 spatial dims, odd kernels, strides, dilations, pads (each smaller
// than the dilated kernel), ceil mode, count_include_pad, storage order.
OpCase RandomCase(const char* op, bool average, DataType dtype, std::mt19937& rng) {
  PoolingNdParams p;
  p.average = average;
  p.ceil_mode = Chance(rng, 0.4);
  p.count_include_pad = Chance(rng, 0.5);
  p.column_major_indices = Chance(rng, 0.5);
  const int k = static_cast<int>(UniformInt(rng, 1, 3));
  Dims dims = {SmallDim(rng, 3), SmallDim(rng, 4)};
  p.kernel.resize(k);
  p.strides.resize(k);
  p.dilations.resize(k);
  p.pads.assign(2 * k, 0);
  for (int d = 0; d < k; ++d) {
    p.kernel[d] = SmallDim(rng, 4);
    p.strides[d] = UniformInt(rng, 1, 3);
    p.dilations[d] = Chance(rng, 0.3) ? UniformInt(rng, 2, 3) : 1;
    const int64_t effective = (p.kernel[d] - 1) * p.dilations[d] + 1;
    if (Chance(rng, 0.5)) p.pads[d] = UniformInt(rng, 0, effective - 1);
    if (Chance(rng, 0.5)) p.pads[k + d] = UniformInt(rng, 0, effective - 1);
    const int64_t min_size = std::max<int64_t>(1, effective - p.pads[d] - p.pads[k + d]);
    dims.push_back(min_size + SmallDim(rng, k == 3 ? 5 : 8) - 1);
  }
  OpCase c;
  c.op = op;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng))};
  c.tolerance = average ? Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2)
                        : Tolerance::BitExact();
  return c;
}

std::vector<OpCase> PoolingCases(DataType dtype, int per_type, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (bool average : {false, true}) {
    for (int i = 0; i < per_type; ++i) {
      cases.push_back(
          DrawWithOutputs([&] { return RandomCase(kPoolingNdOp, average, dtype, rng); }));
    }
  }
  return cases;
}

class PoolingNdConformanceTest : public ConformanceTest {};

TEST_P(PoolingNdConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(PoolingCases(DataType::kFloat32, 10, rng));
}

TEST_P(PoolingNdConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(PoolingCases(DataType::kFloat16, 6, rng));
}

// NaNs must propagate through max pooling exactly as in cpu_ref.
TEST_P(PoolingNdConformanceTest, MaxWithNaNs) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (int i = 0; i < 4; ++i) {
    OpCase c = RandomCase(kPoolingNdOp, false, DataType::kFloat32, rng);
    Weights& x = c.inputs[0].value;
    float* data = x.mutable_as<float>();
    for (int64_t e = 0; e < Volume(x.dims()); ++e) {
      if (Chance(rng, 0.1)) data[e] = NAN;
    }
    cases.push_back(std::move(c));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(PoolingNdConformanceTest, kPoolingNdOp);

class MaxPoolWithIndicesConformanceTest : public ConformanceTest {};

TEST_P(MaxPoolWithIndicesConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(4);
  std::vector<OpCase> cases;
  for (int i = 0; i < 12; ++i) {
    cases.push_back(DrawWithOutputs(
        [&] { return RandomCase(kMaxPoolWithIndicesOp, false, DataType::kFloat32, rng); }));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(MaxPoolWithIndicesConformanceTest, kMaxPoolWithIndicesOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
