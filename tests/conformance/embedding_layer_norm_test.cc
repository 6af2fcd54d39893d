// Conformance of every EmbeddingLayerNorm tactic against
// cpu_ref.embedding_layer_norm.direct (itself checked against the unfused
// Gather + Add + LayerNormalization network in
// optimizer/passes/fuse_embedding_layer_norm_test.cc).
//
// Bounds: as LayerNormalization's: fp32 relative L2 <= 1e-5 (kFp32RelL2),
// fp16 <= 5e-3 (kFp16RelL2). Ids are int32 or int64 in [-V, V) (negative ones
// count from the end).

#include "ops/embedding_layer_norm.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

Weights RandomIds(DataType dtype, const Dims& dims, int64_t rows, std::mt19937& rng) {
  return RandomTensor(dtype, dims, rng, -static_cast<double>(rows), static_cast<double>(rows - 1));
}

// Ids [B, S] (a network input: dim 0 is the batch); a word table of V rows;
// a segment table one case in two; an addend one case in two, as the
// position embeddings [1, S, C] or [S, C] (constants) or a full [B, S, C]
// input; B one case in four omitted. Widths: multiples of the 16-byte vector
// (the vector path), BERT's 768, and odd ones (the element path).
OpCase RandomCase(DataType dtype, std::mt19937& rng, int64_t width = 0) {
  const int64_t b = SmallDim(rng, 4), s = SmallDim(rng, 9);
  if (width == 0) {  // up to 1024: several vectors per lane
    width = Chance(rng, 0.3) ? 2 * SmallDim(rng, 200) + 1 : 8 * SmallDim(rng, 128);
  }
  const DataType ids_type = Chance(rng, 0.5) ? DataType::kInt64 : DataType::kInt32;
  const int64_t vocab = SmallDim(rng, 30);
  EmbeddingLayerNormParams p;
  p.epsilon = Chance(rng, 0.5) ? 1e-12f : 1e-5f;
  OpCase c;
  c.op = kEmbeddingLayerNormOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomIds(ids_type, {b, s}, vocab, rng)),
              Constant(RandomFloatTensor(dtype, {vocab, width}, rng, -1.0f, 1.0f)),
              testutil::Omitted(), testutil::Omitted(), testutil::Omitted()};
  if (Chance(rng, 0.5)) {
    const int64_t types = SmallDim(rng, 3);
    c.inputs[kEmbedSegmentIds] = Input(RandomIds(ids_type, {b, s}, types, rng));
    c.inputs[kEmbedSegmentTable] = Constant(RandomFloatTensor(dtype, {types, width}, rng));
  }
  if (Chance(rng, 0.5)) {
    switch (UniformInt(rng, 0, 2)) {
      case 0:
        c.inputs[kEmbedAddend] = Constant(RandomFloatTensor(dtype, {1, s, width}, rng));
        break;
      case 1: c.inputs[kEmbedAddend] = Constant(RandomFloatTensor(dtype, {s, width}, rng)); break;
      default: c.inputs[kEmbedAddend] = Input(RandomFloatTensor(dtype, {b, s, width}, rng));
    }
  }
  c.inputs.push_back(Constant(RandomFloatTensor(dtype, {width}, rng, 0.5f, 2.0f)));
  if (Chance(rng, 0.75)) c.inputs.push_back(Constant(RandomFloatTensor(dtype, {width}, rng)));
  c.tolerance = Tolerance::RelL2(dtype == DataType::kFloat16 ? kFp16RelL2 : kFp32RelL2);
  return c;
}

std::vector<OpCase> Cases(DataType dtype, int count, std::mt19937& rng, int64_t width = 0) {
  std::vector<OpCase> cases;
  for (int i = 0; i < count; ++i) cases.push_back(RandomCase(dtype, rng, width));
  return cases;
}

class EmbeddingLayerNormConformanceTest : public ConformanceTest {};

TEST_P(EmbeddingLayerNormConformanceTest, Fp32RandomShapes) {
  std::mt19937 rng = Rng(1);
  CheckCases(Cases(DataType::kFloat32, 16, rng));
}

TEST_P(EmbeddingLayerNormConformanceTest, Fp16RandomShapes) {
  std::mt19937 rng = Rng(2);
  CheckCases(Cases(DataType::kFloat16, 12, rng));
}

TEST_P(EmbeddingLayerNormConformanceTest, Fp32BertWidth) {
  std::mt19937 rng = Rng(3);
  CheckCases(Cases(DataType::kFloat32, 3, rng, 768));
}

TEST_P(EmbeddingLayerNormConformanceTest, Fp16BertWidth) {
  std::mt19937 rng = Rng(4);
  CheckCases(Cases(DataType::kFloat16, 3, rng, 768));
}

TEST_P(EmbeddingLayerNormConformanceTest, Fp16WidestRows) {
  std::mt19937 rng = Rng(5);
  CheckCases(Cases(DataType::kFloat16, 2, rng, 1024));
}

KILN_CONFORMANCE_INSTANTIATE(EmbeddingLayerNormConformanceTest, kEmbeddingLayerNormOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
