// Conformance of every ElementWise tactic against
// cpu_ref.element_wise.direct.
//
// Bounds: max and min select an operand, so they are bit-exact; sum, sub,
// prod, div and pow are fp32 arithmetic with relative L2 <= 1e-5
// (kFp32RelL2), fp16 tensors <= 5e-3 (kFp16RelL2). Integer outputs (int32,
// int64) are bit-exact for every op. Cases have at least kMinElementsPerItem
// outputs per batch item.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/element_wise.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

constexpr ElementWiseOp kAllOps[] = {ElementWiseOp::kSum, ElementWiseOp::kSub,
                                     ElementWiseOp::kProd, ElementWiseOp::kDiv,
                                     ElementWiseOp::kMax, ElementWiseOp::kMin,
                                     ElementWiseOp::kPow};

// Operand values that keep every op finite: divisors away from zero and
// positive bases for float pow. Integer division by zero and negative
// exponents are defined (0 and truncation), so integers take any small value.
Weights Operand(ElementWiseOp op, bool is_b, DataType dtype, Dims dims, std::mt19937& rng) {
  if (!IsFloatType(dtype)) {
    if (op == ElementWiseOp::kPow) {
      return is_b ? RandomTensor(dtype, dims, rng, -2, 5) : RandomTensor(dtype, dims, rng, -4, 4);
    }
    return RandomTensor(dtype, dims, rng, -50, 50);
  }
  if (op == ElementWiseOp::kPow) {
    return is_b ? RandomFloatTensor(dtype, dims, rng, -2.0f, 2.0f)
                : RandomFloatTensor(dtype, dims, rng, 0.5f, 2.0f);
  }
  if (op == ElementWiseOp::kDiv && is_b) {
    // Magnitude in [0.5, 2) with a random sign.
    Weights w = RandomFloatTensor(DataType::kFloat32, dims, rng, 0.5f, 2.0f);
    std::vector<float> values = testutil::ToFloats(w);
    for (float& v : values) v = Chance(rng, 0.5) ? -v : v;
    Weights out(dtype, dims);
    for (size_t i = 0; i < values.size(); ++i) {
      if (dtype == DataType::kFloat32) {
        out.mutable_as<float>()[i] = values[i];
      } else {
        out.mutable_as<uint16_t>()[i] = FloatToHalf(values[i]);
      }
    }
    return out;
  }
  return RandomFloatTensor(dtype, dims, rng, -2.0f, 2.0f);
}

// `dims` with each non-batch dim set to 1 at random, and some leading dims
// dropped (numpy broadcasting aligns from the right).
Dims BroadcastShape(const Dims& dims, std::mt19937& rng) {
  Dims out;
  const int64_t drop = UniformInt(rng, 0, static_cast<int64_t>(dims.size()));
  for (size_t i = drop; i < dims.size(); ++i) out.push_back(Chance(rng, 0.5) ? 1 : dims[i]);
  return out;
}

// Layouts: equal shapes; a constant broadcast operand on either side (down
// to rank 0); both operands network inputs broadcasting against each other
// (N, C, 1, W) x (N, 1, H, W).
OpCase RandomCase(ElementWiseOp op, DataType dtype, int layout, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  ElementWiseParams p;
  p.op = op;
  OpCase c;
  c.op = kElementWiseOp;
  c.attrs = p.ToAttrs();
  switch (layout) {
    case 0:
      c.inputs = {Input(Operand(op, false, dtype, dims, rng)),
                  Input(Operand(op, true, dtype, dims, rng))};
      break;
    case 1:
      c.inputs = {Input(Operand(op, false, dtype, dims, rng)),
                  Constant(Operand(op, true, dtype, BroadcastShape(dims, rng), rng))};
      break;
    case 2:
      c.inputs = {Constant(Operand(op, false, dtype, BroadcastShape(dims, rng), rng)),
                  Input(Operand(op, true, dtype, dims, rng))};
      break;
    default: {
      Dims a_dims = dims, b_dims = dims;
      for (size_t i = 1; i < dims.size(); ++i) (Chance(rng, 0.5) ? a_dims : b_dims)[i] = 1;
      c.inputs = {Input(Operand(op, false, dtype, a_dims, rng)),
                  Input(Operand(op, true, dtype, b_dims, rng))};
      break;
    }
  }
  const bool selection = op == ElementWiseOp::kMax || op == ElementWiseOp::kMin;
  if (selection || !IsFloatType(dtype)) {
    c.tolerance = Tolerance::BitExact();
  } else {
    c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  }
  return c;
}

// Every op in every layout: 28 small cases.
std::vector<OpCase> Cases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (ElementWiseOp op : kAllOps) {
    for (int layout = 0; layout < 4; ++layout) {
      cases.push_back(DrawWithOutputs([&] { return RandomCase(op, dtype, layout, rng); }));
    }
  }
  return cases;
}

class ElementWiseConformanceTest : public ConformanceTest {};

TEST_P(ElementWiseConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, rng));
}

TEST_P(ElementWiseConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, rng));
}

TEST_P(ElementWiseConformanceTest, Int32RandomShapes) {
  std::mt19937 rng = Rng(3);
  CheckCases(Cases(DataType::kInt32, rng));
}

TEST_P(ElementWiseConformanceTest, Int64RandomShapes) {
  std::mt19937 rng = Rng(4);
  CheckCases(Cases(DataType::kInt64, rng));
}

KILN_CONFORMANCE_INSTANTIATE(ElementWiseConformanceTest, kElementWiseOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
