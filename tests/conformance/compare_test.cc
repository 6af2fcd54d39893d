// Conformance of every Compare tactic against cpu_ref.compare.direct.
//
// Bound: bit-exact (the output is bool).

#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/compare.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

constexpr CompareOp kAllOps[] = {CompareOp::kEqual, CompareOp::kLess, CompareOp::kLessOrEqual,
                                 CompareOp::kGreater, CompareOp::kGreaterOrEqual};

// Integers in [-3, 3] (0 or 1 for bool), so equal pairs are common; floats
// also get NaN (unordered), infinities and -0 (equal to +0).
Weights SmallValues(DataType dtype, const Dims& dims, std::mt19937& rng) {
  Weights w(dtype, dims);
  const int64_t n = Volume(dims);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = UniformInt(rng, -3, 3);
    float f = static_cast<float>(v);
    if (Chance(rng, 0.1)) {
      constexpr float kSpecials[] = {std::numeric_limits<float>::quiet_NaN(),
                                     std::numeric_limits<float>::infinity(),
                                     -std::numeric_limits<float>::infinity(), -0.0f};
      f = kSpecials[UniformInt(rng, 0, 3)];
    }
    switch (dtype) {
      case DataType::kFloat32: w.mutable_as<float>()[i] = f; break;
      case DataType::kFloat16: w.mutable_as<uint16_t>()[i] = FloatToHalf(f); break;
      case DataType::kInt8: w.mutable_as<int8_t>()[i] = static_cast<int8_t>(v); break;
      case DataType::kInt32: w.mutable_as<int32_t>()[i] = static_cast<int32_t>(v); break;
      case DataType::kInt64: w.mutable_as<int64_t>()[i] = v; break;
      case DataType::kBool: w.mutable_as<uint8_t>()[i] = v > 0 ? 1 : 0; break;
    }
  }
  return w;
}

Dims ConstantDims(const Dims& dims, std::mt19937& rng) {
  Dims out;
  const int64_t drop = UniformInt(rng, 0, static_cast<int64_t>(dims.size()));
  for (size_t i = drop; i < dims.size(); ++i) out.push_back(Chance(rng, 0.5) ? 1 : dims[i]);
  return out;
}

// Layouts as in element_wise_test: equal shapes; a broadcast constant on
// either side; two network inputs broadcasting against each other.
OpCase RandomCase(CompareOp op, DataType dtype, int layout, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  Dims dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng, 13));
  OpCase c;
  c.op = kCompareOp;
  c.attrs = CompareParams{op}.ToAttrs();
  switch (layout) {
    case 0:
      c.inputs = {Input(SmallValues(dtype, dims, rng)), Input(SmallValues(dtype, dims, rng))};
      break;
    case 1:
      c.inputs = {Input(SmallValues(dtype, dims, rng)),
                  Constant(SmallValues(dtype, ConstantDims(dims, rng), rng))};
      break;
    case 2:
      c.inputs = {Constant(SmallValues(dtype, ConstantDims(dims, rng), rng)),
                  Input(SmallValues(dtype, dims, rng))};
      break;
    default: {
      Dims a_dims = dims, b_dims = dims;
      for (size_t i = 1; i < dims.size(); ++i) (Chance(rng, 0.5) ? a_dims : b_dims)[i] = 1;
      c.inputs = {Input(SmallValues(dtype, a_dims, rng)), Input(SmallValues(dtype, b_dims, rng))};
      break;
    }
  }
  c.tolerance = Tolerance::BitExact();
  return c;
}

// Every op in every layout.
std::vector<OpCase> Cases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (CompareOp op : kAllOps) {
    for (int layout = 0; layout < 4; ++layout) cases.push_back(RandomCase(op, dtype, layout, rng));
  }
  return cases;
}

class CompareConformanceTest : public ConformanceTest {};

TEST_P(CompareConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, rng));
}

TEST_P(CompareConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, rng));
}

TEST_P(CompareConformanceTest, IntAndBoolRandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases;
  for (DataType dtype : {DataType::kInt32, DataType::kInt64, DataType::kBool}) {
    for (CompareOp op : kAllOps) cases.push_back(RandomCase(op, dtype, UniformInt(rng, 0, 3), rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(CompareConformanceTest, kCompareOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
