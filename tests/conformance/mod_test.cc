// Conformance of every Mod tactic against cpu_ref.mod.direct.
//
// Bounds: bit-exact. Integer remainders are exact; the float remainder
// (fmod) is exact in IEEE arithmetic, and fp16 is fmod in fp32 rounded once.
// Float x fmod 0 is NaN, whose payload is not part of the contract
// (BitExactAnyNaN for floats).

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/mod.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Dividends of both signs; divisors of both signs with zeros and -1 (the
// special cases of the integer path) mixed in. int8 dividends reach -128.
Weights Operand(DataType dtype, bool divisor, const Dims& dims, std::mt19937& rng) {
  if (IsFloatType(dtype)) {
    Weights w = RandomFloatTensor(dtype, dims, rng, divisor ? -4.0f : -50.0f,
                                  divisor ? 4.0f : 50.0f);
    if (divisor && Volume(dims) > 1) {
      if (dtype == DataType::kFloat32) {
        w.mutable_as<float>()[0] = 0.0f;
      } else {
        w.mutable_as<uint16_t>()[0] = FloatToHalf(0.0f);
      }
    }
    return w;
  }
  if (!divisor) return RandomTensor(dtype, dims, rng, -128, 127);
  Weights w = RandomTensor(dtype, dims, rng, -9, 9);
  return w;
}

Dims ConstantDims(const Dims& dims, std::mt19937& rng) {
  Dims out;
  const int64_t drop = UniformInt(rng, 0, static_cast<int64_t>(dims.size()));
  for (size_t i = drop; i < dims.size(); ++i) out.push_back(Chance(rng, 0.5) ? 1 : dims[i]);
  return out;
}

OpCase RandomCase(DataType dtype, bool fmod, int layout, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  ModParams p;
  p.fmod = fmod;
  OpCase c;
  c.op = kModOp;
  c.attrs = p.ToAttrs();
  switch (layout) {
    case 0:
      c.inputs = {Input(Operand(dtype, false, dims, rng)), Input(Operand(dtype, true, dims, rng))};
      break;
    case 1:
      c.inputs = {Input(Operand(dtype, false, dims, rng)),
                  Constant(Operand(dtype, true, ConstantDims(dims, rng), rng))};
      break;
    case 2:
      c.inputs = {Constant(Operand(dtype, false, ConstantDims(dims, rng), rng)),
                  Input(Operand(dtype, true, dims, rng))};
      break;
    default: {
      Dims a_dims = dims, b_dims = dims;
      for (size_t i = 1; i < dims.size(); ++i) (Chance(rng, 0.5) ? a_dims : b_dims)[i] = 1;
      c.inputs = {Input(Operand(dtype, false, a_dims, rng)),
                  Input(Operand(dtype, true, b_dims, rng))};
      break;
    }
  }
  c.tolerance = IsFloatType(dtype) ? Tolerance::BitExactAnyNaN() : Tolerance::BitExact();
  return c;
}

// Floats take fmod = 1 only (ONNX); integers both modes. Every layout.
std::vector<OpCase> Cases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (bool fmod : {false, true}) {
    if (IsFloatType(dtype) && !fmod) continue;
    for (int layout = 0; layout < 4; ++layout) {
      cases.push_back(RandomCase(dtype, fmod, layout, rng));
      cases.push_back(RandomCase(dtype, fmod, layout, rng));
    }
  }
  return cases;
}

class ModConformanceTest : public ConformanceTest {};

TEST_P(ModConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, rng));
}

TEST_P(ModConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, rng));
}

TEST_P(ModConformanceTest, IntRandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (DataType dtype : {DataType::kInt8, DataType::kInt32, DataType::kInt64}) {
    for (OpCase& c : Cases(dtype, rng)) cases.push_back(std::move(c));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(ModConformanceTest, kModOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
