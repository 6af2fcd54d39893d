// Conformance of every LpPool tactic against cpu_ref.lp_pool.direct.
//
// Bound: fp32 arithmetic (|x|^p summed in double), relative L2 <= 1e-5
// (kFp32RelL2); fp16 tensors <= 5e-3 (kFp16RelL2). Cases have at least
// kMinElementsPerItem outputs per batch item.

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/lp_pool.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// 1 to 3 spatial dims, p in {1, 2, 3}, every auto_pad mode, explicit pads,
// strides, dilations and ceil mode.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  static const char* const kAutoPads[] = {"NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER",
                                          "VALID"};
  LpPoolParams p;
  p.p = UniformInt(rng, 1, 3);
  p.auto_pad = kAutoPads[UniformInt(rng, 0, 4)];
  p.ceil_mode = p.auto_pad == "NOTSET" && Chance(rng, 0.4);
  const int k = static_cast<int>(UniformInt(rng, 1, 3));
  Dims dims = {SmallDim(rng, 3), SmallDim(rng, 4)};
  p.kernel_shape.resize(k);
  p.strides.resize(k);
  p.dilations.resize(k);
  if (p.auto_pad == "NOTSET") p.pads.assign(2 * k, 0);
  for (int d = 0; d < k; ++d) {
    p.kernel_shape[d] = SmallDim(rng, 4);
    p.strides[d] = UniformInt(rng, 1, 3);
    p.dilations[d] = Chance(rng, 0.3) ? 2 : 1;
    const int64_t effective = (p.kernel_shape[d] - 1) * p.dilations[d] + 1;
    if (p.auto_pad == "NOTSET") {
      if (Chance(rng, 0.5)) p.pads[d] = UniformInt(rng, 0, effective - 1);
      if (Chance(rng, 0.5)) p.pads[k + d] = UniformInt(rng, 0, effective - 1);
    }
    const int64_t pads = p.auto_pad == "NOTSET" ? p.pads[d] + p.pads[k + d] : 0;
    dims.push_back(std::max<int64_t>(1, effective - pads) + SmallDim(rng, k == 3 ? 5 : 8) - 1);
  }
  OpCase c;
  c.op = kLpPoolOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng))};
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

class LpPoolConformanceTest : public ConformanceTest {};

TEST_P(LpPoolConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(DataType::kFloat32, rng); }));
  }
  CheckCases(cases);
}

TEST_P(LpPoolConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  std::vector<OpCase> cases;
  for (int i = 0; i < 8; ++i) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(DataType::kFloat16, rng); }));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(LpPoolConformanceTest, kLpPoolOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
