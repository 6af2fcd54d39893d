// Conformance of every Cast tactic against cpu_ref.cast.direct.
//
// Bound: bit-exact for all 36 (from, to) pairs, rounding and saturation
// included, except that a NaN converted to another float type may be any
// NaN (its payload is not part of the contract); a same-type cast keeps the
// bits of NaNs too.

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/cast.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Values where conversions differ: NaN, infinities, signed zeros, halves
// (rounding), just inside and outside the int8, fp16 and int32 ranges.
constexpr float kSpecialFloats[] = {
    0.0f,     -0.0f,    0.5f,    -0.5f,   1.5f,     2.5f,   -2.5f,  127.0f,  127.9f,
    128.0f,   -128.5f,  -129.0f, 300.0f,  65504.0f, 65520.0f, 1e10f, -1e10f, 2147483520.0f,
    3e9f,     -3e9f,    1e20f,   1e-8f,   std::numeric_limits<float>::infinity(),
    -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
constexpr int64_t kSpecialInts[] = {0,     1,      -1,         127,        128,  -128,
                                    -129,  255,    2048,       2049,       65504, 65520,
                                    1 << 24, (1 << 24) + 1, 2147483647, -2147483647 - 1,
                                    4294967296LL, INT64_MAX, INT64_MIN};

// Random values of `dtype` over its whole range, a third of them special.
Weights CastInput(DataType dtype, const Dims& dims, std::mt19937& rng) {
  Weights w = RandomTensor(dtype, dims, rng, -1e3, 1e3);
  const int64_t n = Volume(dims);
  for (int64_t i = 0; i < n; ++i) {
    if (!Chance(rng, 0.35)) continue;
    const float f = kSpecialFloats[UniformInt(rng, 0, std::size(kSpecialFloats) - 1)];
    const int64_t v = kSpecialInts[UniformInt(rng, 0, std::size(kSpecialInts) - 1)];
    switch (dtype) {
      case DataType::kFloat32: w.mutable_as<float>()[i] = f; break;
      case DataType::kFloat16: w.mutable_as<uint16_t>()[i] = FloatToHalf(f); break;
      case DataType::kInt8: w.mutable_as<int8_t>()[i] = static_cast<int8_t>(v); break;
      case DataType::kInt32: w.mutable_as<int32_t>()[i] = static_cast<int32_t>(v); break;
      case DataType::kInt64: w.mutable_as<int64_t>()[i] = v; break;
      // Any nonzero byte is true.
      case DataType::kBool: w.mutable_as<uint8_t>()[i] = static_cast<uint8_t>(v); break;
    }
  }
  return w;
}

class CastConformanceTest : public ConformanceTest {};

TEST_P(CastConformanceTest, EveryPairRandomShapes) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (DataType from : AllDataTypes()) {
    for (DataType to : AllDataTypes()) {
      const int rank = static_cast<int>(UniformInt(rng, 1, 4));
      Dims dims = {SmallDim(rng, 4)};
      for (int d = 1; d < rank; ++d) dims.push_back(SmallDim(rng, 13));
      OpCase c;
      c.op = kCastOp;
      c.attrs = CastParams{to}.ToAttrs();
      c.inputs = {Input(CastInput(from, dims, rng))};
      const bool float_conversion = IsFloatType(from) && IsFloatType(to) && from != to;
      c.tolerance = float_conversion ? Tolerance::BitExactAnyNaN() : Tolerance::BitExact();
      cases.push_back(std::move(c));
    }
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(CastConformanceTest, kCastOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
