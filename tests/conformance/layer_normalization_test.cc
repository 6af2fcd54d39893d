// Conformance of every LayerNormalization tactic against
// cpu_ref.layer_normalization.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2) on Y, Mean and InvStdDev:
// tactics may sum the statistics in another order; fp16 X (and Y) <= 5e-3
// (kFp16RelL2), Mean and InvStdDev are fp32 but checked under the same
// case bound.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/layer_normalization.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Scale/B dims: the normalized dims `norm` with leading dims dropped and
// others set to 1 at random (numpy broadcasting to D).
Dims ParamDims(const Dims& norm, std::mt19937& rng) {
  Dims out;
  const int64_t drop = UniformInt(rng, 0, static_cast<int64_t>(norm.size()) - 1);
  for (size_t i = drop; i < norm.size(); ++i) out.push_back(Chance(rng, 0.3) ? 1 : norm[i]);
  return out;
}

// X of rank 1 to 4, every axis (positive or negative; axis 0 normalizes
// whole items); Scale and B broadcasting to the normalized dims, B omitted
// one case in four (B is given with a Skip input); inputs offset from zero
// so the mean matters.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 17));
  LayerNormalizationParams p;
  const int64_t axis = UniformInt(rng, 0, rank - 1);
  p.axis = Chance(rng, 0.4) ? axis - rank : axis;
  p.epsilon = Chance(rng, 0.5) ? 1e-5f : 0.01f;
  const Dims norm(dims.begin() + axis, dims.end());
  const float offset = static_cast<float>(UniformInt(rng, -3, 3));
  OpCase c;
  c.op = kLayerNormalizationOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, dims, rng, offset - 1.0f, offset + 1.0f)),
              Constant(RandomFloatTensor(dtype, ParamDims(norm, rng), rng, 0.5f, 2.0f))};
  const bool skip = Chance(rng, 0.3);
  if (Chance(rng, 0.75) || skip) {
    c.inputs.push_back(Constant(RandomFloatTensor(dtype, ParamDims(norm, rng), rng, -1.0f, 1.0f)));
  }
  // Skip-LayerNorm one case in three or so: LN(X + Skip), Skip like X.
  if (skip) c.inputs.push_back(Input(RandomFloatTensor(dtype, dims, rng, -1.0f, 1.0f)));
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  // Normalizing along the batch dim changes the statistics at batch 1.
  c.run_batch_one = axis != 0;
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (int i = 0; i < count; ++i) cases.push_back(RandomCase(dtype, rng));
  return cases;
}

class LayerNormalizationConformanceTest : public ConformanceTest {};

TEST_P(LayerNormalizationConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 20, rng));
}

TEST_P(LayerNormalizationConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 12, rng));
}

TEST_P(LayerNormalizationConformanceTest, LongRows) {
  // Rows longer than one block of threads (hidden sizes of transformers).
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (int64_t hidden : {768, 1000, 4096}) {
    LayerNormalizationParams p;
    OpCase c;
    c.op = kLayerNormalizationOp;
    c.attrs = p.ToAttrs();
    c.inputs = {Input(RandomFloatTensor(DataType::kFloat32, {2, 5, hidden}, rng, -2.0f, 2.0f)),
                Constant(RandomFloatTensor(DataType::kFloat32, {hidden}, rng, 0.5f, 2.0f)),
                Constant(RandomFloatTensor(DataType::kFloat32, {hidden}, rng, -1.0f, 1.0f))};
    c.tolerance = Tolerance::RelL2(kFp32RelL2);
    cases.push_back(std::move(c));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(LayerNormalizationConformanceTest, kLayerNormalizationOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
