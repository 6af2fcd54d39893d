// Conformance of every PointwiseChain tactic against cpu_ref.pointwise_chain.
//
// Bounds:
// - Random chains of every step kind: fp32 arithmetic with relative L2
//   <= 1e-5 (kFp32RelL2); fp16 tensors <= 5e-3 (kFp16RelL2). Chains are drawn
//   so that every value stays finite and well conditioned: the reference maps
//   the interval of values each step receives (sampled), a step is taken only
//   inside its well-conditioned domain (log and sqrt of positive values, asin
//   within +-0.9...), with outputs of magnitude 0.05 to 100 and no
//   cancellation, and the discontinuous steps (ceil, floor, round, sign,
//   thresholded_relu) come first only, where every tactic sees the same
//   input. Every step kind and function is the first step of one case.
// - Chains of correctly rounded steps only (ReLU, leaky ReLU, clip,
//   thresholded ReLU, abs, neg, ceil, floor, round, sign, sqrt, recip,
//   x * s + t, + - * / max min with a scalar) on inputs that include NaN,
//   +-inf, +-0 and subnormals: bit-exact, any NaN matching any NaN (GPU
//   arithmetic does not keep NaN payloads).
// Cases have at least kMinElementsPerItem outputs per batch item.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include "backends/cpu_ref/pointwise_chain.h"
#include "gtest/gtest.h"
#include "ops/pointwise_chain.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

constexpr int kActivationTypes = 15;  // ActivationType::kRelu .. kGeluTanh
constexpr int kUnaryOps = 22;         // UnaryOp::kExp .. kSign
constexpr int kBinaryOps = 7;         // ElementWiseOp::kSum .. kPow
constexpr int kMaxSteps = 8;

float Uniform(std::mt19937& rng, float lo, float hi) {
  return std::uniform_real_distribution<float>(lo, hi)(rng);
}

// +-[lo, hi].
float SignedMagnitude(std::mt19937& rng, float lo, float hi) {
  return Chance(rng, 0.5) ? Uniform(rng, lo, hi) : -Uniform(rng, lo, hi);
}

// alpha/beta in the ranges networks use them with.
ActivationParams RandomActivation(ActivationType type, std::mt19937& rng) {
  ActivationParams p;
  p.type = type;
  switch (type) {
    case ActivationType::kLeakyRelu: p.alpha = Uniform(rng, 0.01f, 0.31f); break;
    case ActivationType::kElu: p.alpha = Uniform(rng, 0.5f, 1.5f); break;
    case ActivationType::kSelu: p.alpha = 1.6732632f; p.beta = 1.0507010f; break;
    case ActivationType::kClip:
      p.alpha = Uniform(rng, -0.8f, 0.0f);
      p.beta = Uniform(rng, 0.0f, 0.8f);
      break;
    case ActivationType::kHardSigmoid: p.alpha = 0.2f; p.beta = 0.5f; break;
    case ActivationType::kScaledTanh: p.alpha = 1.7159f; p.beta = 0.6667f; break;
    case ActivationType::kThresholdedRelu: p.alpha = Uniform(rng, -0.5f, 0.5f); break;
    default: break;
  }
  return p;
}

// An exponent: 2 or 3 (any base), or a fraction in [0.5, 1.5] (positive bases).
float RandomExponent(std::mt19937& rng) {
  return Chance(rng, 0.5) ? static_cast<float>(UniformInt(rng, 2, 3)) : Uniform(rng, 0.5f, 1.5f);
}

PointwiseStep RandomScale(std::mt19937& rng) {
  return PointwiseStep::Scale(SignedMagnitude(rng, 0.5f, 2.0f), Uniform(rng, -1.0f, 1.0f),
                              Chance(rng, 0.3) ? std::optional<float>(RandomExponent(rng))
                                               : std::nullopt);
}

PointwiseStep RandomElementWise(ElementWiseOp op, bool scalar_first, std::mt19937& rng) {
  float c = Uniform(rng, -2.0f, 2.0f);  // sum, sub
  if (op == ElementWiseOp::kProd || op == ElementWiseOp::kDiv) c = SignedMagnitude(rng, 0.5f, 2.0f);
  if (op == ElementWiseOp::kMax || op == ElementWiseOp::kMin) c = Uniform(rng, -1.0f, 1.0f);
  if (op == ElementWiseOp::kPow) c = scalar_first ? Uniform(rng, 0.5f, 2.0f) : RandomExponent(rng);
  return PointwiseStep::ElementWise(op, c, scalar_first);
}

// Every step kind with every function, random parameters.
std::vector<PointwiseStep> EveryStep(std::mt19937& rng) {
  std::vector<PointwiseStep> steps;
  for (int t = 0; t < kActivationTypes; ++t) {
    steps.push_back(PointwiseStep::Activation(
        RandomActivation(static_cast<ActivationType>(t), rng)));
  }
  for (int op = 0; op < kUnaryOps; ++op) {
    steps.push_back(PointwiseStep::Unary(static_cast<UnaryOp>(op)));
  }
  steps.push_back(PointwiseStep::Scale(1.5f, -0.25f, std::nullopt));
  steps.push_back(PointwiseStep::Scale(0.75f, 0.5f, 2.0f));
  for (int op = 0; op < kBinaryOps; ++op) {
    for (bool first : {false, true}) {
      steps.push_back(RandomElementWise(static_cast<ElementWiseOp>(op), first, rng));
    }
  }
  return steps;
}

PointwiseStep RandomStep(std::mt19937& rng) {
  switch (UniformInt(rng, 0, 3)) {
    case 0:
      return PointwiseStep::Activation(RandomActivation(
          static_cast<ActivationType>(UniformInt(rng, 0, kActivationTypes - 1)), rng));
    case 1: return PointwiseStep::Unary(static_cast<UnaryOp>(UniformInt(rng, 0, kUnaryOps - 1)));
    case 2: return RandomScale(rng);
    default:
      return RandomElementWise(static_cast<ElementWiseOp>(UniformInt(rng, 0, kBinaryOps - 1)),
                               Chance(rng, 0.5), rng);
  }
}

// ---- Keeping random chains well conditioned ----

struct Interval {
  float lo, hi;
  float Magnitude() const { return std::max(std::fabs(lo), std::fabs(hi)); }
};

// The values `step` maps `in` to, from the reference at 1025 points plus a
// margin for what lies between them; nullopt when one is not finite.
std::optional<Interval> Image(const PointwiseStep& step, Interval in) {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -lo;
  for (int i = 0; i <= 1024; ++i) {
    const float y = cpu_ref::ApplyPointwiseStep(step, in.lo + (in.hi - in.lo) * i / 1024.0f);
    if (!std::isfinite(y)) return std::nullopt;
    lo = std::min(lo, y);
    hi = std::max(hi, y);
  }
  const float margin = 0.01f * (hi - lo);
  return Interval{lo - margin, hi + margin};
}

bool IsExponent(float p) { return p == 2.0f || p == 3.0f; }

// Whether `in` lies inside the part of the domain of `step` where its
// result is well conditioned (and, for discontinuous steps, whether the step
// comes first).
bool InDomain(const PointwiseStep& step, Interval in, bool first) {
  const auto within = [&](float lo, float hi) { return in.lo >= lo && in.hi <= hi; };
  const auto away_from_zero = [&](float m) { return in.lo >= m || in.hi <= -m; };
  switch (step.kind) {
    case PointwiseStepKind::kActivation:
      return first || step.activation.type != ActivationType::kThresholdedRelu;
    case PointwiseStepKind::kUnary:
      switch (step.unary) {
        case UnaryOp::kLog:
        case UnaryOp::kSqrt: return in.lo >= 0.05f;
        case UnaryOp::kRecip: return away_from_zero(0.25f);
        case UnaryOp::kAsin:
        case UnaryOp::kAcos:
        case UnaryOp::kAtanh: return within(-0.9f, 0.9f);
        case UnaryOp::kAcosh: return in.lo >= 1.1f;
        case UnaryOp::kTan: return within(-1.2f, 1.2f);
        case UnaryOp::kExp:
        case UnaryOp::kSinh:
        case UnaryOp::kCosh: return within(-4.0f, 4.0f);
        case UnaryOp::kCeil:
        case UnaryOp::kFloor:
        case UnaryOp::kRound:
        case UnaryOp::kSign: return first;
        default: return true;
      }
    case PointwiseStepKind::kScale: {
      if (!step.has_power || IsExponent(step.power)) return true;
      const std::optional<Interval> base =
          Image(PointwiseStep::Scale(step.scale, step.shift, std::nullopt), in);
      return base.has_value() && base->lo >= 0.05f;
    }
    case PointwiseStepKind::kElementWise:
      if (step.binary == ElementWiseOp::kDiv) return !step.scalar_first || away_from_zero(0.25f);
      if (step.binary != ElementWiseOp::kPow) return true;
      if (step.scalar_first) return within(-8.0f, 8.0f);
      return IsExponent(step.scalar) || in.lo >= 0.05f;
  }
  return false;
}

// The values after `step` when it may follow values in `in`: in its domain,
// finite, of magnitude 0.05 to 100, and after the first step (whose input
// every tactic reads exactly) not much smaller than its input's: no
// cancellation that would magnify the rounding of the steps before.
std::optional<Interval> Admit(const PointwiseStep& step, Interval in, bool first) {
  if (!InDomain(step, in, first)) return std::nullopt;
  std::optional<Interval> out = Image(step, in);
  if (!out.has_value()) return std::nullopt;
  const float m = out->Magnitude();
  if (m > 100.0f || m < 0.05f) return std::nullopt;
  if (!first && m < 0.25f * std::min(in.Magnitude(), 1.0f)) return std::nullopt;
  return out;
}

// Input ranges tried for a chain's first step: the common one, then the
// domains of the functions that need one.
constexpr Interval kInputRanges[] = {{-2.0f, 2.0f},  {0.1f, 4.0f}, {-0.9f, 0.9f},
                                     {1.1f, 4.0f},   {0.25f, 4.0f}, {-1.2f, 1.2f}};

Dims RandomShape(std::mt19937& rng) {
  Dims dims = {SmallDim(rng, 5)};
  const int rank = static_cast<int>(UniformInt(rng, 1, 4));
  for (int i = 1; i < rank; ++i) dims.push_back(SmallDim(rng));
  return dims;
}

// A random chain that starts with `first` (a random step when nullopt), and
// its input drawn from a range that step admits, of `dims` (random when
// nullopt).
OpCase ChainCase(DataType dtype, std::optional<PointwiseStep> first, std::mt19937& rng,
                 std::optional<Dims> dims = std::nullopt) {
  PointwiseChainParams params;
  Interval input = kInputRanges[0];
  Interval values = input;
  while (params.steps.empty()) {
    const PointwiseStep step = first.value_or(RandomStep(rng));
    for (const Interval& range : kInputRanges) {
      if (std::optional<Interval> out = Admit(step, range, true)) {
        input = range;
        values = *out;
        params.steps.push_back(step);
        break;
      }
    }
    if (params.steps.empty() && first.has_value()) {
      ADD_FAILURE() << "no input range suits first step " << first->ToString();
      first.reset();
    }
  }
  const int length = static_cast<int>(UniformInt(rng, 1, kMaxSteps));
  for (int attempt = 0; attempt < 200 && static_cast<int>(params.steps.size()) < length;
       ++attempt) {
    const PointwiseStep step = RandomStep(rng);
    if (std::optional<Interval> out = Admit(step, values, false)) {
      values = *out;
      params.steps.push_back(step);
    }
  }
  return DrawWithOutputs([&] {
    OpCase c;
    c.op = kPointwiseChainOp;
    c.attrs = params.ToAttrs();
    c.inputs = {Input(
        RandomFloatTensor(dtype, dims.value_or(RandomShape(rng)), rng, input.lo, input.hi))};
    c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
    return c;
  });
}

std::vector<OpCase> RandomChainCases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (const PointwiseStep& step : EveryStep(rng)) cases.push_back(ChainCase(dtype, step, rng));
  for (int i = 0; i < 8; ++i) cases.push_back(ChainCase(dtype, std::nullopt, rng));
  // Larger sizes, where most of the work goes through the 4-wide accesses,
  // with an odd tail.
  for (const Dims& dims : {Dims{2, 3, 61, 67}, Dims{1, 4099}}) {
    cases.push_back(ChainCase(dtype, std::nullopt, rng, dims));
  }
  return cases;
}

// ---- Correctly rounded chains on special values ----

PointwiseStep RandomExactStep(std::mt19937& rng) {
  static constexpr ActivationType kActivations[] = {
      ActivationType::kRelu, ActivationType::kLeakyRelu, ActivationType::kClip,
      ActivationType::kThresholdedRelu};
  static constexpr UnaryOp kUnary[] = {UnaryOp::kAbs,   UnaryOp::kNeg,   UnaryOp::kCeil,
                                       UnaryOp::kFloor, UnaryOp::kRound, UnaryOp::kSign,
                                       UnaryOp::kSqrt,  UnaryOp::kRecip};
  switch (UniformInt(rng, 0, 3)) {
    case 0:
      return PointwiseStep::Activation(
          RandomActivation(kActivations[UniformInt(rng, 0, std::size(kActivations) - 1)], rng));
    case 1: return PointwiseStep::Unary(kUnary[UniformInt(rng, 0, std::size(kUnary) - 1)]);
    case 2:
      return PointwiseStep::Scale(SignedMagnitude(rng, 0.1f, 3.0f), Uniform(rng, -2.0f, 2.0f),
                                  std::nullopt);
    default:
      // Every binary op but pow.
      return RandomElementWise(static_cast<ElementWiseOp>(UniformInt(rng, 0, kBinaryOps - 2)),
                               Chance(rng, 0.5), rng);
  }
}

// Replaces about one element in 8 by NaN, +-inf, +-0, a subnormal, the
// largest finite value or an exact half (where round, ceil and floor differ).
void AddSpecialValues(Weights& w, std::mt19937& rng) {
  const int64_t n = Volume(w.dims());
  if (w.dtype() == DataType::kFloat16) {
    static constexpr uint16_t kHalf[] = {0x7e01, 0xfe00, 0x7c00, 0xfc00, 0x0000,
                                         0x8000, 0x0001, 0x83ff, 0x7bff, 0xc100};
    for (int64_t i = 0; i < n; ++i) {
      if (Chance(rng, 0.125)) {
        w.mutable_as<uint16_t>()[i] = kHalf[UniformInt(rng, 0, std::size(kHalf) - 1)];
      }
    }
    return;
  }
  const float kFloat[] = {std::numeric_limits<float>::quiet_NaN(),
                          -std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          0.0f,
                          -0.0f,
                          std::numeric_limits<float>::denorm_min(),
                          -1e-40f,
                          std::numeric_limits<float>::max(),
                          -2.5f};
  for (int64_t i = 0; i < n; ++i) {
    if (Chance(rng, 0.125)) w.mutable_as<float>()[i] = kFloat[UniformInt(rng, 0, 9)];
  }
}

std::vector<OpCase> ExactChainCases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (int i = 0; i < 16; ++i) {
    PointwiseChainParams params;
    const int length = static_cast<int>(UniformInt(rng, 1, kMaxSteps));
    for (int s = 0; s < length; ++s) params.steps.push_back(RandomExactStep(rng));
    cases.push_back(DrawWithOutputs([&] {
      OpCase c;
      c.op = kPointwiseChainOp;
      c.attrs = params.ToAttrs();
      Weights x = RandomFloatTensor(dtype, RandomShape(rng), rng, -4.0f, 4.0f);
      AddSpecialValues(x, rng);
      c.inputs = {Input(std::move(x))};
      c.tolerance = Tolerance::BitExactAnyNaN();
      return c;
    }));
  }
  return cases;
}

class PointwiseChainConformanceTest : public ConformanceTest {};

TEST_P(PointwiseChainConformanceTest, Fp32RandomChains) {
  std::mt19937 rng = Rng(1);
  CheckCases(RandomChainCases(DataType::kFloat32, rng));
}

TEST_P(PointwiseChainConformanceTest, Fp16RandomChains) {
  std::mt19937 rng = Rng(2);
  CheckCases(RandomChainCases(DataType::kFloat16, rng));
}

TEST_P(PointwiseChainConformanceTest, Fp32ExactChainsOnSpecialValues) {
  std::mt19937 rng = Rng(3);
  CheckCases(ExactChainCases(DataType::kFloat32, rng));
}

TEST_P(PointwiseChainConformanceTest, Fp16ExactChainsOnSpecialValues) {
  std::mt19937 rng = Rng(4);
  CheckCases(ExactChainCases(DataType::kFloat16, rng));
}

KILN_CONFORMANCE_INSTANTIATE(PointwiseChainConformanceTest, kPointwiseChainOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
