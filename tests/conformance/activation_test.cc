// Conformance of every Activation tactic against cpu_ref.activation.
//
// Bounds: ReLU, Clip and ThresholdedRelu only select or clamp values, so they
// are bit-exact; every other type is fp32 arithmetic with relative L2 error
// <= 1e-5 (kFp32RelL2); fp16 tensors <= 5e-3 (kFp16RelL2) for all types but
// the bit-exact ones, which stay bit-exact.
// Cases have at least kMinElementsPerItem outputs per batch item.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/activation.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

constexpr ActivationType kAllTypes[] = {
    ActivationType::kRelu,        ActivationType::kSigmoid,    ActivationType::kTanh,
    ActivationType::kLeakyRelu,   ActivationType::kElu,        ActivationType::kSelu,
    ActivationType::kClip,        ActivationType::kSoftplus,   ActivationType::kSoftsign,
    ActivationType::kHardSigmoid, ActivationType::kScaledTanh, ActivationType::kThresholdedRelu,
    ActivationType::kGelu,        ActivationType::kHardSwish,  ActivationType::kGeluTanh,
};

bool IsSelection(ActivationType type) {
  return type == ActivationType::kRelu || type == ActivationType::kClip ||
         type == ActivationType::kThresholdedRelu;
}

// alpha/beta in the ranges networks use them with.
ActivationParams RandomParams(ActivationType type, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  ActivationParams p;
  p.type = type;
  switch (type) {
    case ActivationType::kLeakyRelu: p.alpha = 0.01f + 0.3f * u(rng); break;
    case ActivationType::kElu: p.alpha = 0.5f + u(rng); break;
    case ActivationType::kSelu: p.alpha = 1.6732632f; p.beta = 1.0507010f; break;
    case ActivationType::kClip: p.alpha = -0.8f * u(rng); p.beta = 0.8f * u(rng); break;
    case ActivationType::kHardSigmoid: p.alpha = 0.2f; p.beta = 0.5f; break;
    case ActivationType::kScaledTanh: p.alpha = 1.7159f; p.beta = 0.6667f; break;
    case ActivationType::kThresholdedRelu: p.alpha = u(rng) - 0.5f; break;
    default: break;
  }
  return p;
}

// Rank 1 to 4, dim 0 the batch.
Dims RandomShape(std::mt19937& rng) {
  Dims dims = {SmallDim(rng, 5)};
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng));
  return dims;
}

std::vector<OpCase> Cases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  // Every type once, then a few more drawn at random.
  std::vector<ActivationType> types(std::begin(kAllTypes), std::end(kAllTypes));
  for (int i = 0; i < 4; ++i) types.push_back(kAllTypes[UniformInt(rng, 0, std::size(kAllTypes) - 1)]);
  for (ActivationType type : types) {
    cases.push_back(DrawWithOutputs([&] {
      OpCase c;
      c.op = kActivationOp;
      c.attrs = RandomParams(type, rng).ToAttrs();
      // [-4, 4) reaches the saturated parts of sigmoid, tanh and hard_sigmoid.
      c.inputs = {Input(RandomFloatTensor(dtype, RandomShape(rng), rng, -4.0f, 4.0f))};
      c.tolerance = IsSelection(type) ? Tolerance::BitExact()
                                      : Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2
                                                                                     : kFp32RelL2);
      return c;
    }));
  }
  return cases;
}

class ActivationConformanceTest : public ConformanceTest {};

TEST_P(ActivationConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, rng));
}

TEST_P(ActivationConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, rng));
}

KILN_CONFORMANCE_INSTANTIATE(ActivationConformanceTest, kActivationOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
