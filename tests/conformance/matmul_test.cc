// Conformance of every MatMul tactic against cpu_ref.matmul.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): a GEMM tactic sums the K
// products in its own order, a few ULPs per output; fp16 tensors <= 5e-3
// (kFp16RelL2).
// TF32 builds (allow_tf32: fp32 tensors, products of inputs rounded to a
// 10-bit mantissa on tensor cores) <= 1e-3 (kTf32RelL2).
//
// Data: inputs and weights uniform in [-0.5, 1.5): mostly positive, so the
// sums do not cancel and the bound measures the tactic's rounding rather than
// the conditioning of the case (every sign still occurs); cases have at least
// kMinElementsPerItem outputs per batch item.

#include "ops/matmul.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

Weights Operand(DataType dtype, Dims dims, std::mt19937& rng) {
  return RandomFloatTensor(dtype, std::move(dims), rng, -0.5f, 1.5f);
}

// Dims of a (rows x cols) operand stored transposed when `transpose`.
Dims Matrix(Dims batch, int64_t rows, int64_t cols, bool transpose) {
  if (transpose) std::swap(rows, cols);
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

// The layouts networks use: batched (both operands network inputs), a
// constant right operand shared by the batch (2-D, or 3-D broadcast against
// a's second dim), a 1-D vector on either side, and broadcasting of size-1
// batch dims in a; each with random transposes where they apply.
OpCase RandomCase(DataType dtype, int layout, std::mt19937& rng) {
  MatMulParams p;
  p.transpose_a = Chance(rng, 0.5);
  p.transpose_b = Chance(rng, 0.5);
  const int64_t n = SmallDim(rng, 4), m = SmallDim(rng, 17), k = SmallDim(rng, 17),
                cols = SmallDim(rng, 17), groups = SmallDim(rng, 5);
  OpCase c;
  c.op = kMatMulOp;
  switch (layout) {
    case 0:  // (N, M, K) x (N, K, C), both network inputs.
      c.inputs = {Input(Operand(dtype, Matrix({n}, m, k, p.transpose_a), rng)),
                  Input(Operand(dtype, Matrix({n}, k, cols, p.transpose_b), rng))};
      break;
    case 1:  // (N, M, K) x constant (K, C).
      c.inputs = {Input(Operand(dtype, Matrix({n}, m, k, p.transpose_a), rng)),
                  Constant(Operand(dtype, Matrix({}, k, cols, p.transpose_b), rng))};
      break;
    case 2:  // (N, G, M, K) x constant (G, K, C).
      c.inputs = {Input(Operand(dtype, Matrix({n, groups}, m, k, p.transpose_a), rng)),
                  Constant(Operand(dtype, Matrix({groups}, k, cols, p.transpose_b), rng))};
      break;
    case 3:  // (N, 1, M, K) x (N, G, K, C): a's size-1 dim broadcasts.
      c.inputs = {Input(Operand(dtype, Matrix({n, 1}, m, k, p.transpose_a), rng)),
                  Input(Operand(dtype, Matrix({n, groups}, k, cols, p.transpose_b), rng))};
      break;
    case 4:  // (N, M, K) x constant vector (K): matrix-vector products.
      p.transpose_b = false;
      c.inputs = {Input(Operand(dtype, Matrix({n}, m, k, p.transpose_a), rng)),
                  Constant(Operand(dtype, {k}, rng))};
      break;
    default:  // constant vector (K) x (N, K, C).
      p.transpose_a = false;
      c.inputs = {Constant(Operand(dtype, {k}, rng)),
                  Input(Operand(dtype, Matrix({n}, k, cols, p.transpose_b), rng))};
      break;
  }
  c.attrs = p.ToAttrs();
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  // Sizes where GEMM tactics take their blocked paths, random transposes.
  MatMulParams p;
  p.transpose_a = Chance(rng, 0.5);
  p.transpose_b = Chance(rng, 0.5);
  OpCase big;
  big.op = kMatMulOp;
  big.attrs = p.ToAttrs();
  big.inputs = {Input(Operand(dtype, Matrix({2}, 65, 129, p.transpose_a), rng)),
                Input(Operand(dtype, Matrix({2}, 129, 67, p.transpose_b), rng))};
  big.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  std::vector<OpCase> cases = {std::move(big)};
  for (int i = 0; i < count; ++i) {
    cases.push_back(DrawWithOutputs([&] { return RandomCase(dtype, i % 6, rng); }));
  }
  return cases;
}

// Cases with a fused ReLU (the "activation" attribute): about half the rows
// of a (or, where a is a vector, the columns of b) negated, so about half the
// outputs are clamped. ReLU adds no rounding, so the bounds stay those of the
// GEMM.
std::vector<OpCase> ReluCases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases = Cases(dtype, count, rng);
  for (OpCase& c : cases) {
    MatMulParams p = *MatMulParams::FromAttrs(c.attrs);
    p.activation = ActivationType::kRelu;
    c.attrs = p.ToAttrs();
    // Stored transposed, a logical row of a is a stored column (and a
    // logical column of b a stored row).
    Weights& a = c.inputs[0].value;
    if (a.dims().size() >= 2) {
      NegateRandomLines(a, /*rows=*/!p.transpose_a, rng);
    } else {
      NegateRandomLines(c.inputs[1].value, /*rows=*/p.transpose_b, rng);
    }
  }
  return cases;
}

// Cases with a fused GELU (erf form): a uniform in [-1, 1) and b in
// ±6/sqrt(K), so the outputs spread over about [-4, 4], where the tanh form
// that cuBLASLt's GELU epilogue computes (the fp16 tactics) is furthest from
// the erf form (4.8e-4), well inside the fp16 bound; fp32 tactics apply the
// erf form itself.
std::vector<OpCase> GeluCases(DataType dtype, int count, std::mt19937& rng,
                              ActivationType type = ActivationType::kGelu) {
  std::vector<OpCase> cases = Cases(dtype, count, rng);
  for (OpCase& c : cases) {
    MatMulParams p = *MatMulParams::FromAttrs(c.attrs);
    p.activation = type;
    c.attrs = p.ToAttrs();
    const Dims a = c.inputs[0].value.dims();
    const int64_t k = a.size() == 1 ? a[0] : p.transpose_a ? a[a.size() - 2] : a.back();
    const float bound = 6.0f / std::sqrt(static_cast<float>(std::max<int64_t>(k, 1)));
    c.inputs[0].value = RandomFloatTensor(dtype, a, rng, -1.0f, 1.0f);
    c.inputs[1].value = RandomFloatTensor(dtype, c.inputs[1].value.dims(), rng, -bound, bound);
  }
  return cases;
}

class MatMulConformanceTest : public ConformanceTest {};

TEST_P(MatMulConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 18, rng));
}

TEST_P(MatMulConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 12, rng));
}

// fp32 cases built with allow_tf32: tactics that keep the choice in their
// state run TF32; the others (cpu_ref, fp16 tactics) are held to the same
// bound.
TEST_P(MatMulConformanceTest, Tf32RandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases = Cases(DataType::kFloat32, 10, rng);
  for (OpCase& c : cases) {
    c.allow_tf32 = true;
    c.tolerance = Tolerance::RelL2(kTf32RelL2);
  }
  CheckCases(cases);
}

TEST_P(MatMulConformanceTest, Fp32FusedRelu) {
  std::mt19937 rng = Rng(4);
  CheckCases(ReluCases(DataType::kFloat32, 12, rng));
}

TEST_P(MatMulConformanceTest, Fp16FusedRelu) {
  std::mt19937 rng = Rng(5);
  CheckCases(ReluCases(DataType::kFloat16, 12, rng));
}

TEST_P(MatMulConformanceTest, Fp32FusedGelu) {
  std::mt19937 rng = Rng(6);
  CheckCases(GeluCases(DataType::kFloat32, 10, rng));
}

TEST_P(MatMulConformanceTest, Fp16FusedGelu) {
  std::mt19937 rng = Rng(7);
  CheckCases(GeluCases(DataType::kFloat16, 10, rng));
}

// The tanh form (ONNX Gelu approximate="tanh"; exactly cuBLASLt's GELU
// epilogue) over the same spread.
TEST_P(MatMulConformanceTest, Fp32FusedGeluTanh) {
  std::mt19937 rng = Rng(8);
  CheckCases(GeluCases(DataType::kFloat32, 10, rng, ActivationType::kGeluTanh));
}

TEST_P(MatMulConformanceTest, Fp16FusedGeluTanh) {
  std::mt19937 rng = Rng(9);
  CheckCases(GeluCases(DataType::kFloat16, 10, rng, ActivationType::kGeluTanh));
}

KILN_CONFORMANCE_INSTANTIATE(MatMulConformanceTest, kMatMulOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
