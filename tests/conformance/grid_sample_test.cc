// Conformance of every GridSample tactic against cpu_ref.grid_sample.direct.
//
// Bounds: nearest mode selects input values (or zero), so it is bit-exact in
// fp32 and fp16. Linear and cubic are fp32 arithmetic (double inside):
// relative L2 <= 1e-5 (kFp32RelL2), fp16 tensors <= 5e-3 (kFp16RelL2).
// Cases have at least kMinElementsPerItem outputs per batch item.

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/grid_sample.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// 1 to 3 spatial dims; grid coordinates a little beyond [-1, 1] so every
// padding mode has work to do; both align_corners settings.
OpCase RandomCase(const std::string& mode, DataType dtype, std::mt19937& rng) {
  static const char* const kPaddings[] = {"zeros", "border", "reflection"};
  const int k = static_cast<int>(UniformInt(rng, 1, 3));
  const int64_t batch = SmallDim(rng, 3);
  Dims x_dims = {batch, SmallDim(rng, 5)};
  Dims grid_dims = {batch};
  for (int d = 0; d < k; ++d) x_dims.push_back(SmallDim(rng, k == 3 ? 5 : 9));
  for (int d = 0; d < k; ++d) grid_dims.push_back(SmallDim(rng, k == 3 ? 4 : 8));
  grid_dims.push_back(k);
  GridSampleParams p;
  p.mode = mode;
  p.padding_mode = kPaddings[UniformInt(rng, 0, 2)];
  p.align_corners = Chance(rng, 0.5);
  OpCase c;
  c.op = kGridSampleOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, x_dims, rng)),
              Input(RandomFloatTensor(dtype, grid_dims, rng, -1.3f, 1.3f))};
  c.tolerance = mode == "nearest"
                    ? Tolerance::BitExact()
                    : Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int per_mode, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (const char* mode : {"nearest", "linear", "cubic"}) {
    for (int i = 0; i < per_mode; ++i) {
      cases.push_back(DrawWithOutputs([&] { return RandomCase(mode, dtype, rng); }));
    }
  }
  return cases;
}

class GridSampleConformanceTest : public ConformanceTest {};

TEST_P(GridSampleConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 10, rng));
}

TEST_P(GridSampleConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 5, rng));
}

KILN_CONFORMANCE_INSTANTIATE(GridSampleConformanceTest, kGridSampleOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
