// Conformance of every TfIdfVectorizer tactic against
// cpu_ref.tf_idf_vectorizer.direct.
//
// Bound: bit-exact. Counts are small integers (exact in fp32 whatever the
// order of the additions) and each weighting is one multiplication.
// Tokens are drawn from a small alphabet so that pool n-grams match often;
// pools have duplicate n-grams (the last one wins) and repeated columns.

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "ops/tf_idf_vectorizer.h"
#include "tests/conformance/harness.h"

namespace kiln {
namespace conformance {
namespace {

constexpr const char* kModes[] = {"TF", "IDF", "TFIDF"};

// Input [B, C] (or [C], then not run at batch 1: C is not a batch), n-grams
// of sizes 1 to 3 with skips up to 2, every mode, weights or none.
OpCase RandomCase(DataType dtype, std::mt19937& rng) {
  TfIdfVectorizerParams p;
  p.mode = kModes[UniformInt(rng, 0, 2)];
  const int64_t max_size = UniformInt(rng, 1, 3);
  p.max_gram_length = UniformInt(rng, 1, max_size);
  p.min_gram_length = UniformInt(rng, 1, p.max_gram_length);
  p.max_skip_count = UniformInt(rng, 0, 2);
  int64_t ngrams = 0;
  for (int64_t size = 1; size <= max_size; ++size) {
    p.ngram_counts.push_back(static_cast<int64_t>(p.pool_int64s.size()));
    const int64_t count = UniformInt(rng, 1, 6);
    for (int64_t k = 0; k < count * size; ++k) p.pool_int64s.push_back(UniformInt(rng, 0, 4));
    ngrams += count;
  }
  const int64_t columns = UniformInt(rng, 1, ngrams);
  for (int64_t g = 0; g < ngrams; ++g) p.ngram_indexes.push_back(UniformInt(rng, 0, columns - 1));
  p.ngram_indexes[UniformInt(rng, 0, ngrams - 1)] = columns - 1;  // the output size
  if (Chance(rng, 0.6)) {
    for (int64_t c = 0; c < columns; ++c) p.weights.push_back(static_cast<float>(UniformInt(rng, 1, 40)) * 0.125f);
  }
  const bool batched = Chance(rng, 0.75);
  const Dims dims = batched ? Dims{SmallDim(rng, 5), UniformInt(rng, 1, 13)} : Dims{UniformInt(rng, 1, 13)};
  OpCase c;
  c.op = kTfIdfVectorizerOp;
  c.attrs = p.ToAttrs();
  c.inputs = {Input(RandomTensor(dtype, dims, rng, 0, 4))};
  c.tolerance = Tolerance::BitExact();
  c.run_batch_one = batched;
  return c;
}

class TfIdfVectorizerConformanceTest : public ConformanceTest {};

TEST_P(TfIdfVectorizerConformanceTest, Int32AndInt64Tokens) {
  std::mt19937 rng = Rng(1);
  std::vector<OpCase> cases;
  for (int i = 0; i < 24; ++i) {
    cases.push_back(RandomCase(i % 2 ? DataType::kInt32 : DataType::kInt64, rng));
  }
  CheckCases(cases);
}

KILN_CONFORMANCE_INSTANTIATE(TfIdfVectorizerConformanceTest, kTfIdfVectorizerOp);

}  // namespace
}  // namespace conformance
}  // namespace kiln
