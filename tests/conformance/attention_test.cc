// Conformance of every Attention tactic against cpu_ref.attention.
//
// Bounds: fp32 relative L2 <= 1e-5 (kFp32RelL2); fp16 tensors <= 5e-3
// (kFp16RelL2). Q, K and V are uniform in [-1, 1) and the scale is
// 1/sqrt(D) times [0.5, 2], so the logits stay within a few units and the
// softmax is well conditioned. Cases draw random B, H, Sq != Sk (biased to
// small and odd sizes), D and Dv, causal on and off, and a mask of each
// shape a network writes:
//   none;
//   [B, 1, 1, Sk]: key padding (the last keys of each batch item -inf, or
//     -10000 as BERT exporters write it), a network input;
//   [1, 1, Sq, Sk]: a constant, uniform in [-1, 0) with some -inf;
//   [B, H, Sq, Sk]: a network input, the same values.
// Rows that every key is masked from (causal with Sq > Sk, -inf masks) are
// zeros in the reference (ops/attention.h); a tactic must agree.
// Cases have at least kMinElementsPerItem outputs per batch item.
// TransformerShapes adds the head sizes and lengths of real layers. The Bshd
// tests run the same draws in layout bshd (Q, K, V and the output
// [B, S, H, D]), and TransformerShapesPackedQkv in layout packed_qkv (one
// [B, S, 3, H, D] input).

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/attention.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

enum class MaskKind { kNone, kKeyPadding, kQueryByKey, kFull };

void Set(Weights& w, int64_t i, float value) {
  if (w.dtype() == DataType::kFloat16) {
    w.mutable_as<uint16_t>()[i] = FloatToHalf(value);
  } else {
    w.mutable_as<float>()[i] = value;
  }
}

// Per batch item, keys [valid, Sk) masked with `fill` (valid >= 1).
Weights KeyPaddingMask(DataType dtype, int64_t batch, int64_t sk, std::mt19937& rng) {
  Weights w(dtype, {batch, 1, 1, sk});
  const float fill = Chance(rng, 0.5) ? -std::numeric_limits<float>::infinity() : -10000.0f;
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t valid = UniformInt(rng, 1, sk);
    for (int64_t j = 0; j < sk; ++j) Set(w, b * sk + j, j < valid ? 0.0f : fill);
  }
  return w;
}

// Uniform in [-1, 0), about one element in 10 -inf.
Weights RandomMask(DataType dtype, Dims dims, std::mt19937& rng) {
  Weights w = RandomFloatTensor(dtype, dims, rng, -1.0f, 0.0f);
  for (int64_t i = 0; i < Volume(dims); ++i) {
    if (Chance(rng, 0.1)) Set(w, i, -std::numeric_limits<float>::infinity());
  }
  return w;
}

// Random Q [b, h, sq, d], K [b, h, sk, d] and V [b, h, sk, dv] in `dtype`,
// then a mask of kind `mask`, drawn in that order; the policy's bound.
OpCase MakeCase(DataType dtype, int64_t b, int64_t h, int64_t sq, int64_t sk, int64_t d, int64_t dv,
                float scale, bool causal, MaskKind mask, std::mt19937& rng) {
  AttentionParams params;
  params.scale = scale;
  params.causal = causal;
  OpCase c;
  c.op = kAttentionOp;
  c.attrs = params.ToAttrs();
  c.inputs = {Input(RandomFloatTensor(dtype, {b, h, sq, d}, rng)),
              Input(RandomFloatTensor(dtype, {b, h, sk, d}, rng)),
              Input(RandomFloatTensor(dtype, {b, h, sk, dv}, rng))};
  switch (mask) {
    case MaskKind::kNone: break;
    case MaskKind::kKeyPadding: c.inputs.push_back(Input(KeyPaddingMask(dtype, b, sk, rng))); break;
    case MaskKind::kQueryByKey:
      c.inputs.push_back(Constant(RandomMask(dtype, {1, 1, sq, sk}, rng)));
      break;
    case MaskKind::kFull: c.inputs.push_back(Input(RandomMask(dtype, {b, h, sq, sk}, rng))); break;
  }
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

// 1/sqrt(d), the scale transformers use.
float InvSqrt(int64_t d) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(d))); }

OpCase AttentionCase(DataType dtype, MaskKind mask, bool causal, std::mt19937& rng) {
  return DrawWithOutputs([&] {
    const int64_t b = SmallDim(rng, 3), h = SmallDim(rng, 4);
    const int64_t sq = SmallDim(rng), sk = SmallDim(rng);
    const int64_t d = SmallDim(rng, 16), dv = SmallDim(rng, 16);
    const float scale = static_cast<float>(
        std::exp2(std::uniform_real_distribution<double>(-1, 1)(rng)) * InvSqrt(d));
    return MakeCase(dtype, b, h, sq, sk, d, dv, scale, causal, mask, rng);
  });
}

std::vector<OpCase> AttentionCases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  for (MaskKind mask :
       {MaskKind::kNone, MaskKind::kKeyPadding, MaskKind::kQueryByKey, MaskKind::kFull}) {
    for (bool causal : {false, true}) {
      for (int i = 0; i < 3; ++i) cases.push_back(AttentionCase(dtype, mask, causal, rng));
    }
  }
  return cases;
}

// The shapes of transformer layers: D = Dv = 64 or 128 (head sizes fused
// kernels such as cuDNN's are built for), Sq = Sk, a key padding mask or
// none, causal on and off.
std::vector<OpCase> TransformerCases(DataType dtype, std::mt19937& rng) {
  std::vector<OpCase> cases;
  const int64_t lengths[] = {64, 77, 128};
  for (int i = 0; i < 6; ++i) {
    const int64_t b = UniformInt(rng, 1, 2), h = UniformInt(rng, 1, 3);
    const int64_t s = lengths[i % 3], d = i < 4 ? 64 : 128;
    cases.push_back(MakeCase(dtype, b, h, s, s, d, d, InvSqrt(d), /*causal=*/i % 2 == 1,
                             i % 3 != 2 ? MaskKind::kKeyPadding : MaskKind::kNone, rng));
  }
  return cases;
}

// `cases` in layout bshd: Q, K and V drawn again with dims [B, S, H, D]
// (the same B, so the batch stays dim 0); masks unchanged.
std::vector<OpCase> InBshd(std::vector<OpCase> cases, std::mt19937& rng) {
  for (OpCase& c : cases) {
    AttentionParams params = *AttentionParams::FromAttrs(c.attrs);
    params.layout = AttentionLayout::kBshd;
    c.attrs = params.ToAttrs();
    for (int i = 0; i < 3; ++i) {
      const Weights& w = c.inputs[i].value;
      const Dims d = w.dims();
      c.inputs[i].value = RandomFloatTensor(w.dtype(), {d[0], d[2], d[1], d[3]}, rng);
    }
  }
  return cases;
}

// Cases with Sq = Sk and D = Dv in layout packed_qkv: Q, K and V drawn as one
// [B, S, 3, H, D] input, inputs 1 and 2 omitted; masks as in `cases`.
std::vector<OpCase> InPackedQkv(std::vector<OpCase> cases, std::mt19937& rng) {
  std::vector<OpCase> packed;
  for (OpCase& c : cases) {
    const Dims q = c.inputs[0].value.dims(), k = c.inputs[1].value.dims();
    const Dims v = c.inputs[2].value.dims();
    if (q[2] != k[2] || q[3] != v[3]) continue;  // packed needs Sq = Sk, D = Dv
    AttentionParams params = *AttentionParams::FromAttrs(c.attrs);
    params.layout = AttentionLayout::kPackedQkv;
    c.attrs = params.ToAttrs();
    c.inputs[0] =
        Input(RandomFloatTensor(c.inputs[0].value.dtype(), {q[0], q[2], 3, q[1], q[3]}, rng));
    c.inputs[1] = testutil::Omitted();
    c.inputs[2] = testutil::Omitted();
    packed.push_back(std::move(c));
  }
  return packed;
}

class AttentionConformanceTest : public ConformanceTest {};

TEST_P(AttentionConformanceTest, Fp32RandomShapesAndMasks) {
  std::mt19937 rng = Rng(1);
  CheckCases(AttentionCases(DataType::kFloat32, rng));
}

TEST_P(AttentionConformanceTest, Fp16RandomShapesAndMasks) {
  std::mt19937 rng = Rng(2);
  CheckCases(AttentionCases(DataType::kFloat16, rng));
}

TEST_P(AttentionConformanceTest, TransformerShapes) {
  std::mt19937 rng = Rng(3);
  std::vector<OpCase> cases = TransformerCases(DataType::kFloat32, rng);
  for (OpCase& c : TransformerCases(DataType::kFloat16, rng)) cases.push_back(std::move(c));
  CheckCases(cases);
}

// `draw` in fp32, then in fp16, each set passed through `layout` (InBshd or
// InPackedQkv).
template <typename Draw, typename Layout>
std::vector<OpCase> BothPrecisions(Draw draw, Layout layout, std::mt19937& rng) {
  std::vector<OpCase> cases = layout(draw(DataType::kFloat32, rng), rng);
  for (OpCase& c : layout(draw(DataType::kFloat16, rng), rng)) cases.push_back(std::move(c));
  return cases;
}

TEST_P(AttentionConformanceTest, LayoutBshd) {
  std::mt19937 rng = Rng(4);
  CheckCases(BothPrecisions(AttentionCases, InBshd, rng));
}

TEST_P(AttentionConformanceTest, TransformerShapesBshd) {
  std::mt19937 rng = Rng(5);
  CheckCases(BothPrecisions(TransformerCases, InBshd, rng));
}

// Transformer shapes (Sq = Sk, D = Dv) with Q, K and V packed in one input.
TEST_P(AttentionConformanceTest, TransformerShapesPackedQkv) {
  std::mt19937 rng = Rng(6);
  const std::vector<OpCase> cases = BothPrecisions(TransformerCases, InPackedQkv, rng);
  ASSERT_FALSE(cases.empty());
  CheckCases(cases);
}

// Wide heads: Dv above one pass of cuda's kernels (256 columns), D up to
// the chunked kernel's limit and one above it, keys over several chunks of 32
// with a ragged last one, causal with Sq < Sk, each mask kind.
TEST_P(AttentionConformanceTest, WideHeadsAndLongKeys) {
  std::mt19937 rng = Rng(7);
  struct Shape {
    int64_t sq, sk, d, dv;
  };
  const Shape shapes[] = {{5, 70, 32, 300}, {9, 41, 256, 48}, {3, 33, 257, 16}, {17, 100, 96, 96}};
  const MaskKind masks[] = {MaskKind::kNone, MaskKind::kKeyPadding, MaskKind::kQueryByKey,
                            MaskKind::kFull};
  std::vector<OpCase> cases;
  int i = 0;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16}) {
    for (const Shape& shape : shapes) {
      const int64_t b = UniformInt(rng, 1, 2), h = UniformInt(rng, 1, 2);
      cases.push_back(MakeCase(dtype, b, h, shape.sq, shape.sk, shape.d, shape.dv, InvSqrt(shape.d),
                               /*causal=*/i % 2 == 1, masks[i % 4], rng));
      ++i;
    }
  }
  CheckCases(cases);
}

// The head sizes tensor-core kernels are built for (D = Dv in 16, 32, 64,
// 96, 128) with random B, H, Sq != Sk (over several 64-key tiles and ragged
// ones), every mask kind, causal on and off, in each layout: what
// cuda.attention.flash.fp16 takes, drawn as widely as the random cases.
// The head size stays fixed in the dynamic-shape mode (a network's weights
// fix it), so the other sizes are drawn apart from it. `same_length`: Sq =
// Sk (for layout packed_qkv).
std::vector<OpCase> HeadSizeCases(DataType dtype, std::mt19937& rng, bool same_length) {
  const int64_t head_sizes[] = {16, 32, 64, 96, 128};
  const MaskKind masks[] = {MaskKind::kNone, MaskKind::kKeyPadding, MaskKind::kQueryByKey,
                            MaskKind::kFull};
  std::vector<OpCase> cases;
  for (int i = 0; i < 10; ++i) {
    const int64_t d = head_sizes[i % 5];
    auto draw = [&](int64_t lo, int64_t hi) {
      int64_t v = UniformInt(rng, lo, hi);
      while (v == d) v = UniformInt(rng, lo, hi);
      return v;
    };
    const int64_t b = UniformInt(rng, 1, 3), h = UniformInt(rng, 1, 3);
    const int64_t sq = draw(1, 150), sk = same_length ? sq : draw(1, 200);
    OpCase c =
        MakeCase(dtype, b, h, sq, sk, d, d, InvSqrt(d), /*causal=*/i % 2 == 1, masks[i % 4], rng);
    c.fixed_sizes = {d};
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST_P(AttentionConformanceTest, HeadSizesOfTensorCoreKernels) {
  std::mt19937 rng = Rng(8);
  std::vector<OpCase> cases = HeadSizeCases(DataType::kFloat16, rng, false);
  for (OpCase& c : InBshd(HeadSizeCases(DataType::kFloat16, rng, false), rng)) {
    cases.push_back(std::move(c));
  }
  for (OpCase& c : InPackedQkv(HeadSizeCases(DataType::kFloat16, rng, true), rng)) {
    cases.push_back(std::move(c));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(AttentionConformanceTest, kAttentionOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
