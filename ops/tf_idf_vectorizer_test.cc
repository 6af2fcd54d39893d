#include "ops/tf_idf_vectorizer.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tests/util/op_runner.h"

namespace kiln {
namespace {

using testutil::RunOp;
using testutil::ToFloats;
using testutil::Typed;

// ONNX's own example pool: 1-grams [2], [3], [5], [4] (columns 0..3) and
// 2-grams [5, 6], [7, 8], [6, 7] (columns 4..6).
TfIdfVectorizerParams OnnxPool() {
  TfIdfVectorizerParams params;
  params.ngram_counts = {0, 4};
  params.ngram_indexes = {0, 1, 2, 3, 4, 5, 6};
  params.pool_int64s = {2, 3, 5, 4, 5, 6, 7, 8, 6, 7};
  return params;
}

const std::vector<int32_t> kTokens = {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8};

TEST(TfIdfVectorizerTest, CountsUniAndBigrams) {
  // Adjacent pairs of kTokens: (1,1) (1,3) (3,3) (3,3) (3,7) (7,8) (8,6)
  // (6,7) (7,5) (5,6) (6,8): [5,6], [7,8], [6,7] once each. 1-grams: 3 three
  // times, 5 once, 2 and 4 never.
  TfIdfVectorizerParams params = OnnxPool();
  params.min_gram_length = 1;
  params.max_gram_length = 2;
  auto out = RunOp(kTfIdfVectorizerOp, params.ToAttrs(),
                   {Typed<int32_t>(DataType::kInt32, {12}, kTokens)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{7}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 3, 1, 0, 1, 1, 1}));
  // Only 2-grams, rows of 6 ([1,1,3,3,3,7] and [8,6,7,5,6,8]): row 0 has
  // none; row 1 has [6,7] and [5,6].
  params.min_gram_length = 2;
  out = RunOp(kTfIdfVectorizerOp, params.ToAttrs(),
              {Typed<int32_t>(DataType::kInt32, {2, 6}, kTokens)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{2, 7}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 0, 0, 0, 0, 0, 0,  //
                                                     0, 0, 0, 0, 1, 0, 1}));
}

TEST(TfIdfVectorizerTest, SkipsAndLevels) {
  // [5, 9, 6]: the 2-gram [5, 6] needs one skipped token.
  TfIdfVectorizerParams params = OnnxPool();
  params.min_gram_length = 2;
  params.max_gram_length = 2;
  auto out = RunOp(kTfIdfVectorizerOp, params.ToAttrs(),
                   {Typed<int64_t>(DataType::kInt64, {3}, {5, 9, 6})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 0, 0, 0, 0, 0, 0}));
  params.max_skip_count = 1;
  out = RunOp(kTfIdfVectorizerOp, params.ToAttrs(),
              {Typed<int64_t>(DataType::kInt64, {3}, {5, 9, 6})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 0, 0, 0, 1, 0, 0}));
  // 1-grams are counted once whatever the skip count: [3, 3] -> column 1 = 2.
  params.min_gram_length = 1;
  params.max_skip_count = 3;
  out = RunOp(kTfIdfVectorizerOp, params.ToAttrs(),
              {Typed<int64_t>(DataType::kInt64, {2}, {3, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 2, 0, 0, 0, 0, 0}));
}

TEST(TfIdfVectorizerTest, Weighting) {
  // 1-grams [3] -> column 1, [7] -> column 0; weights per column [0.5, 2].
  // Rows [3, 3, 7] and [3, 1, 1]: counts [[1, 2], [0, 1]].
  TfIdfVectorizerParams params;
  params.ngram_counts = {0};
  params.ngram_indexes = {1, 0};
  params.pool_int64s = {3, 7};
  params.weights = {0.5f, 2.0f};
  const std::vector<int32_t> rows = {3, 3, 7, 3, 1, 1};
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"TF", {1, 2, 0, 1}},          // counts, weights unused
      {"IDF", {0.5f, 2, 0, 2}},      // weight where present
      {"TFIDF", {0.5f, 4, 0, 2}}};  // count * weight
  for (const auto& [mode, want] : cases) {
    SCOPED_TRACE(mode);
    params.mode = mode;
    auto out = RunOp(kTfIdfVectorizerOp, params.ToAttrs(),
                     {Typed<int32_t>(DataType::kInt32, {2, 3}, rows)});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(ToFloats((*out)[0]), want);
  }
  // IDF without weights marks presence with 1.
  params.mode = "IDF";
  params.weights.clear();
  auto out = RunOp(kTfIdfVectorizerOp, params.ToAttrs(),
                   {Typed<int32_t>(DataType::kInt32, {2, 3}, rows)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 1, 0, 1}));
}

TEST(TfIdfVectorizerTest, ShapeInferenceErrors) {
  const AttrMap good = OnnxPool().ToAttrs();
  testutil::ExpectLayerRejected(kTfIdfVectorizerOp, "t1", {4}, DataType::kFloat32, good,
                                "int32 or int64 tokens");
  testutil::ExpectLayerRejected(kTfIdfVectorizerOp, "t2", {1, 2, 4}, DataType::kInt32, good,
                                "expected [C] or [B, C]");
  TfIdfVectorizerParams p = OnnxPool();
  p.mode = "BM25";
  testutil::ExpectLayerRejected(kTfIdfVectorizerOp, "t3", {4}, DataType::kInt32, p.ToAttrs(),
                                "mode is 'BM25'");
  p = OnnxPool();
  p.min_gram_length = 3;
  p.max_gram_length = 2;
  testutil::ExpectLayerRejected(kTfIdfVectorizerOp, "t4", {4}, DataType::kInt32, p.ToAttrs(),
                                "1 <= min <= max");
  p = OnnxPool();
  p.ngram_indexes = {0, 1};
  testutil::ExpectLayerRejected(kTfIdfVectorizerOp, "t5", {4}, DataType::kInt32, p.ToAttrs(),
                                "the pool has 7 n-grams");
  p = OnnxPool();
  p.ngram_counts = {0, 5};  // 5 values left for the 2-grams
  testutil::ExpectLayerRejected(kTfIdfVectorizerOp, "t6", {4}, DataType::kInt32, p.ToAttrs(),
                                "not a whole number of 2-grams");
  p = OnnxPool();
  p.ngram_counts = {0, 11};
  testutil::ExpectLayerRejected(kTfIdfVectorizerOp, "t7", {4}, DataType::kInt32, p.ToAttrs(),
                                "inside pool_int64s");
  p = OnnxPool();
  p.weights = {1, 2};
  testutil::ExpectLayerRejected(kTfIdfVectorizerOp, "t8", {4}, DataType::kInt32, p.ToAttrs(),
                                "weights has 2 values");
  p = OnnxPool();
  p.max_skip_count = -1;
  testutil::ExpectLayerRejected(kTfIdfVectorizerOp, "t9", {4}, DataType::kInt32, p.ToAttrs(),
                                "max_skip_count is -1");
}

}  // namespace
}  // namespace kiln
