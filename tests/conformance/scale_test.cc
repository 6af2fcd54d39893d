// Conformance of every Scale tactic against cpu_ref.scale.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): a tactic may fuse the
// multiply-add (one rounding instead of two) or compute pow as exp(log);
// fp16 tensors <= 5e-3 (kFp16RelL2). Cases have at least kMinElementsPerItem
// outputs per batch item (a fused multiply-add differs most where
// x * scale + shift cancels).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/scale.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Every mode; shift, scale and power each present or omitted; the channel
// axis anywhere but the batch; parameter tensors flat or shaped. Power cases
// keep x * scale + shift positive so that fractional powers are real. With
// `network_params` the present parameters are network inputs rather than
// constants (the op allows it), which needs a batch of 1: their dim 0 is
// the batch too.
OpCase RandomCase(ScaleMode mode, DataType dtype, bool network_params, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 2, 4));
  Dims dims = {network_params ? 1 : SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  ScaleParams p;
  p.mode = mode;
  Dims param_dims = {1};
  if (mode == ScaleMode::kChannel) {
    const int64_t axis = UniformInt(rng, 1, rank - 1);
    p.channel_axis = Chance(rng, 0.3) ? axis - rank : axis;
    param_dims = {dims[axis]};
  } else if (mode == ScaleMode::kElementwise) {
    param_dims = Chance(rng, 0.5) ? Dims(dims.begin() + 1, dims.end())
                                  : Dims{Volume(Dims(dims.begin() + 1, dims.end()))};
  }
  if (network_params) param_dims.insert(param_dims.begin(), 1);
  const bool has_power = Chance(rng, 0.4);
  auto param = [&](float lo, float hi) {
    Weights w = RandomFloatTensor(dtype, param_dims, rng, lo, hi);
    return network_params ? Input(std::move(w)) : Constant(std::move(w));
  };

  OpCase c;
  c.op = kScaleOp;
  c.attrs = p.ToAttrs();
  c.inputs.push_back(Input(has_power ? RandomFloatTensor(dtype, dims, rng, 0.5f, 1.5f)
                                     : RandomFloatTensor(dtype, dims, rng, -2.0f, 2.0f)));
  c.inputs.push_back(Chance(rng, 0.7) ? param(has_power ? 0.0f : -1.0f, 0.5f)
                                      : testutil::Omitted());
  c.inputs.push_back(Chance(rng, 0.7) ? param(has_power ? 0.5f : -2.0f, 1.5f)
                                      : testutil::Omitted());
  c.inputs.push_back(has_power ? param(-2.0f, 2.0f) : testutil::Omitted());
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int per_mode, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (ScaleMode mode : {ScaleMode::kUniform, ScaleMode::kChannel, ScaleMode::kElementwise}) {
    for (int i = 0; i < per_mode; ++i) {
      cases.push_back(DrawWithOutputs([&] { return RandomCase(mode, dtype, i % 4 == 3, rng); }));
    }
  }
  return cases;
}

class ScaleConformanceTest : public ConformanceTest {};

TEST_P(ScaleConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 6, rng));
}

TEST_P(ScaleConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 4, rng));
}

KILN_CONFORMANCE_INSTANTIATE(ScaleConformanceTest, kScaleOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
