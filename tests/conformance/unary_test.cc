// Conformance of every Unary tactic against cpu_ref.unary.direct.
//
// Bounds: abs, neg, ceil, floor, round and sign are exact in IEEE
// arithmetic, so they are bit-exact; every other op (exp, log, sqrt, recip,
// trigonometric, hyperbolic, erf) is fp32 arithmetic with relative L2
// <= 1e-5 (kFp32RelL2) over the finite outputs; fp16 tensors <= 5e-3
// (kFp16RelL2). NaN and infinities must appear exactly where the reference
// has them (log(-1), recip(0), NaN inputs...). Random cases have at least
// kMinElementsPerItem outputs per batch item.

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/unary.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

constexpr UnaryOp kAllOps[] = {
    UnaryOp::kExp,   UnaryOp::kLog,   UnaryOp::kSqrt,  UnaryOp::kRecip, UnaryOp::kAbs,
    UnaryOp::kNeg,   UnaryOp::kSin,   UnaryOp::kCos,   UnaryOp::kTan,   UnaryOp::kAsin,
    UnaryOp::kAcos,  UnaryOp::kAtan,  UnaryOp::kSinh,  UnaryOp::kCosh,  UnaryOp::kAsinh,
    UnaryOp::kAcosh, UnaryOp::kAtanh, UnaryOp::kCeil,  UnaryOp::kFloor, UnaryOp::kRound,
    UnaryOp::kErf,   UnaryOp::kSign,
};

bool IsExact(UnaryOp op) {
  return op == UnaryOp::kAbs || op == UnaryOp::kNeg || op == UnaryOp::kCeil ||
         op == UnaryOp::kFloor || op == UnaryOp::kRound || op == UnaryOp::kSign;
}

// The op's well-conditioned domain (where a relative bound is meaningful).
void Domain(UnaryOp op, float* lo, float* hi) {
  *lo = -3.0f;
  *hi = 3.0f;
  switch (op) {
    case UnaryOp::kLog:
    case UnaryOp::kSqrt: *lo = 0.01f; *hi = 4.0f; break;
    case UnaryOp::kRecip: *lo = 0.25f; *hi = 4.0f; break;
    case UnaryOp::kTan: *lo = -1.2f; *hi = 1.2f; break;
    case UnaryOp::kAsin:
    case UnaryOp::kAcos:
    case UnaryOp::kAtanh: *lo = -0.99f; *hi = 0.99f; break;
    case UnaryOp::kAcosh: *lo = 1.01f; *hi = 4.0f; break;
    default: break;
  }
}

Tolerance ToleranceFor(UnaryOp op, DataType dtype) {
  if (IsExact(op)) return Tolerance::BitExact();
  return Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
}

OpCase MakeCase(UnaryOp op, DataType dtype, Weights x) {
  OpCase c;
  c.op = kUnaryOp;
  c.attrs = UnaryParams{op}.ToAttrs();
  c.inputs = {Input(std::move(x))};
  c.tolerance = ToleranceFor(op, dtype);
  return c;
}

// Random values over the op's domain (recip with either sign); rank 1 to 4.
OpCase RandomCase(UnaryOp op, DataType dtype, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  float lo, hi;
  Domain(op, &lo, &hi);
  if (op == UnaryOp::kRecip && Chance(rng, 0.5)) {
    lo = -4.0f;
    hi = -0.25f;
  }
  // Round to quarters now and then so round/ceil/floor meet exact halves.
  Weights x = RandomFloatTensor(dtype, dims, rng, lo, hi);
  if (Chance(rng, 0.3)) {
    std::vector<float> v = testutil::ToFloats(x);
    for (size_t i = 0; i < v.size(); ++i) {
      const float q = std::round(v[i] * 4.0f) / 4.0f;
      if (dtype == DataType::kFloat32) {
        x.mutable_as<float>()[i] = q;
      } else {
        x.mutable_as<uint16_t>()[i] = FloatToHalf(q);
      }
    }
  }
  return MakeCase(op, dtype, std::move(x));
}

// Zeros of both signs, halves, values outside the domains, infinities and
// NaN: the outputs' NaN/inf pattern must match the reference exactly.
OpCase SpecialValuesCase(UnaryOp op, DataType dtype) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values = {0.0f, -0.0f, 0.5f,  -0.5f, 1.5f, -1.5f, 2.5f, 1.0f, -1.0f,
                                     -2.0f, 10.0f, inf, -inf, std::nanf("")};
  Weights x(dtype, {1, static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DataType::kFloat32) {
      x.mutable_as<float>()[i] = values[i];
    } else {
      x.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
    }
  }
  return MakeCase(op, dtype, std::move(x));
}

std::vector<OpCase> Cases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (UnaryOp op : kAllOps) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(op, dtype, rng); }));
    cases.push_back(SpecialValuesCase(op, dtype));
  }
  return cases;
}

class UnaryConformanceTest : public ConformanceTest {};

TEST_P(UnaryConformanceTest, Fp32RandomShapesAndSpecialValues) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, rng));
}

TEST_P(UnaryConformanceTest, Fp16RandomShapesAndSpecialValues) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, rng));
}

KILN_CONFORMANCE_INSTANTIATE(UnaryConformanceTest, kUnaryOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
