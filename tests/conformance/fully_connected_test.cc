// Conformance of every FullyConnected tactic against
// cpu_ref.fully_connected.direct.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2): a GEMM tactic sums the K_in
// products in its own order (blocked, vectorized), a few ULPs per output;
// fp16 tensors <= 5e-3 (kFp16RelL2).
// Fused GELU: the same bounds (GeluCases says why the fp16 one holds).
// TF32 builds (allow_tf32: fp32 tensors, products of inputs rounded to a
// 10-bit mantissa on tensor cores) <= 1e-3 (kTf32RelL2).
//
// Data: inputs and weights uniform in [-0.5, 1.5): mostly positive, so the
// sums do not cancel and the bound measures the tactic's rounding rather than
// the conditioning of the case (every sign still occurs); cases have at least
// kMinElementsPerItem outputs per batch item and
// at most kMaxFeatures products per output.

#include "ops/fully_connected.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

// Longer dot products would make fp32 summation order alone approach the
// bound (about sqrt(K) ULPs apart).
constexpr int64_t kMaxFeatures = 2048;

// x of rank 2 to 4 flattened at a random axis (given positive or negative,
// sometimes the rank itself: one feature), K_out odd and even, optional bias.
// With `constant_weight` false the weight is a network input (K_out == N).
OpCase RandomCase(DataType dtype, bool constant_weight, std::mt19937& rng) {
  const int rank = static_cast<int>(UniformInt(rng, 2, 4));
  Dims x_dims = {SmallDim(rng, 4)};
  for (int i = 1; i < rank; ++i) x_dims.push_back(SmallDim(rng, 17));
  int64_t axis = UniformInt(rng, 1, Chance(rng, 0.1) ? rank : rank - 1);
  int64_t k_in = 1;
  for (int i = static_cast<int>(axis); i < rank; ++i) k_in *= x_dims[i];
  const int64_t k_out = constant_weight ? SmallDim(rng, 17) : x_dims[0];
  FullyConnectedParams p;
  // Negative counts from the end; the rank itself has no negative form.
  p.axis = axis < rank && Chance(rng, 0.3) ? axis - rank : axis;

  OpCase c;
  c.op = kFullyConnectedOp;
  c.attrs = p.ToAttrs();
  c.inputs.push_back(Input(RandomFloatTensor(dtype, x_dims, rng, -0.5f, 1.5f)));
  Weights weight = RandomFloatTensor(dtype, {k_out, k_in}, rng, -0.5f, 1.5f);
  c.inputs.push_back(constant_weight ? Constant(std::move(weight)) : Input(std::move(weight)));
  if (Chance(rng, 0.6)) c.inputs.push_back(Constant(RandomFloatTensor(dtype, {k_out}, rng)));
  // At batch 1 a weight input would keep one output feature only.
  c.run_batch_one = constant_weight;
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng) {
  // A classifier-sized layer, where GEMM tactics take their blocked paths.
  OpCase big;
  big.op = kFullyConnectedOp;
  big.attrs = FullyConnectedParams{}.ToAttrs();
  big.inputs = {Input(RandomFloatTensor(dtype, {3, 515}, rng, -0.5f, 1.5f)),
                Constant(RandomFloatTensor(dtype, {257, 515}, rng, -0.5f, 1.5f)),
                Constant(RandomFloatTensor(dtype, {257}, rng))};
  big.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  std::vector<OpCase> cases = {std::move(big)};
  // Every fifth case has a weight that is a network input.
  for (int i = 0; i < count; ++i) {
    cases.push_back(DrawWithOutputs([&] {
      OpCase c = RandomCase(dtype, i % 5 != 4, rng);
      // Too many features: draw again (as if it had too few outputs).
      return c.inputs[1].value.dims()[1] <= kMaxFeatures ? c : OpCase{};
    }));
  }
  return cases;
}

// Cases with a fused ReLU (the "activation" attribute, applied after the
// bias): about half the weight rows negated, so about half the outputs are
// clamped. ReLU adds no rounding, so the bounds stay those of the GEMM.
std::vector<OpCase> ReluCases(DataType dtype, int count, std::mt19937& rng) {
  std::vector<OpCase> cases = Cases(dtype, count, rng);
  for (OpCase& c : cases) {
    FullyConnectedParams p = *FullyConnectedParams::FromAttrs(c.attrs);
    p.activation = ActivationType::kRelu;
    c.attrs = p.ToAttrs();
    NegateRandomLines(c.inputs[1].value, /*rows=*/true, rng);
  }
  return cases;
}

// Cases with a fused GELU (erf form): weights uniform in ±4/sqrt(K_in), so
// the outputs spread over about [-4, 4], where GELU bends and its tanh form
// (cuBLASLt's epilogue, run by the fp16 tactics) is furthest from the erf
// form (4.8e-4 at x = -2.7); that gap is well inside the fp16 bound, and the
// fp32 tactics apply the erf form itself.
std::vector<OpCase> GeluCases(DataType dtype, int count, std::mt19937& rng,
                              ActivationType type = ActivationType::kGelu) {
  std::vector<OpCase> cases = Cases(dtype, count, rng);
  for (OpCase& c : cases) {
    FullyConnectedParams p = *FullyConnectedParams::FromAttrs(c.attrs);
    p.activation = type;
    c.attrs = p.ToAttrs();
    const Dims w = c.inputs[1].value.dims();
    const float a = 4.0f / std::sqrt(static_cast<float>(w[1]));
    c.inputs[1].value = RandomFloatTensor(dtype, w, rng, -a, a);
  }
  return cases;
}

class FullyConnectedConformanceTest : public ConformanceTest {};

TEST_P(FullyConnectedConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 19, rng));
}

TEST_P(FullyConnectedConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 10, rng));
}

// fp32 cases built with allow_tf32: tactics that keep the choice in their
// state run TF32; the others (cpu_ref, fp16 tactics) are held to the same
// bound.
TEST_P(FullyConnectedConformanceTest, Tf32RandomShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases = Cases(DataType::kFloat32, 10, rng);
  for (OpCase& c : cases) {
    c.allow_tf32 = true;
    c.tolerance = Tolerance::RelL2(kTf32RelL2);
  }
  CheckCases(cases);
}

TEST_P(FullyConnectedConformanceTest, Fp32FusedRelu) {
  std::mt19937 rng = Rng(4);
  CheckCases(ReluCases(DataType::kFloat32, 12, rng));
}

TEST_P(FullyConnectedConformanceTest, Fp16FusedRelu) {
  std::mt19937 rng = Rng(5);
  CheckCases(ReluCases(DataType::kFloat16, 8, rng));
}

TEST_P(FullyConnectedConformanceTest, Fp32FusedGelu) {
  std::mt19937 rng = Rng(6);
  CheckCases(GeluCases(DataType::kFloat32, 12, rng));
}

TEST_P(FullyConnectedConformanceTest, Fp16FusedGelu) {
  std::mt19937 rng = Rng(7);
  CheckCases(GeluCases(DataType::kFloat16, 8, rng));
}

// The tanh form (ONNX Gelu approximate="tanh"; exactly cuBLASLt's GELU
// epilogue) over the same spread.
TEST_P(FullyConnectedConformanceTest, Fp32FusedGeluTanh) {
  std::mt19937 rng = Rng(8);
  CheckCases(GeluCases(DataType::kFloat32, 12, rng, ActivationType::kGeluTanh));
}

TEST_P(FullyConnectedConformanceTest, Fp16FusedGeluTanh) {
  std::mt19937 rng = Rng(9);
  CheckCases(GeluCases(DataType::kFloat16, 8, rng, ActivationType::kGeluTanh));
}

KILN_CONFORMANCE_INSTANTIATE(FullyConnectedConformanceTest, kFullyConnectedOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
