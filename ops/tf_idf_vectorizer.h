#ifndef KILN_OPS_TF_IDF_VECTORIZER_H_
#define KILN_OPS_TF_IDF_VECTORIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attributes.h"
#include "graph/network_definition.h"
#include "graph/types.h"

namespace kiln {

inline constexpr char kTfIdfVectorizerOp[] = "TfIdfVectorizer";

// ONNX TfIdfVectorizer over integer tokens: counts the n-grams of a pool in
// each row of the input ([C], or [B, C] with one output row per input row)
// and writes an fp32 vector [max(ngram_indexes) + 1] (or [B, ...]) per row.
// Input int32 or int64.
//   mode:            "TF" (counts), "IDF" (weights[j] where the count is > 0,
//                    else 0), "TFIDF" (count * weights[j]); with no weights
//                    the weights are 1.
//   min_gram_length, max_gram_length: the n-gram sizes counted (1 <= min <= max).
//   max_skip_count:  n-grams may skip up to this many tokens between items
//                    (every skip distance 1..max_skip_count + 1 is tried;
//                    1-grams are counted once).
//   pool_int64s:     the n-grams, grouped by size: the 1-grams, then the
//                    2-grams... ngram_counts[i] is where the (i+1)-grams start.
//   ngram_indexes:   per pool n-gram (in pool order), its output column.
//   weights:         per output column (IDF/TFIDF), or empty.
// Pools of strings (pool_strings) are not supported: kiln has no string type.
struct TfIdfVectorizerParams {
  std::string mode = "TF";
  int64_t min_gram_length = 1;
  int64_t max_gram_length = 1;
  int64_t max_skip_count = 0;
  std::vector<int64_t> ngram_counts;
  std::vector<int64_t> ngram_indexes;
  std::vector<int64_t> pool_int64s;
  std::vector<float> weights;

  // "mode", "min_gram_length", "max_gram_length", "max_skip_count",
  // "ngram_counts", "ngram_indexes", "pool_int64s", "weights"
  AttrMap ToAttrs() const;
  // Checks the pool's layout against ngram_counts and ngram_indexes.
  static absl::StatusOr<TfIdfVectorizerParams> FromAttrs(const AttrMap& attrs);

  int64_t OutputSize() const;  // max(ngram_indexes) + 1
};

absl::StatusOr<TensorId> AddTfIdfVectorizer(NetworkDefinition& network, absl::string_view name,
                                            TensorId input, const TfIdfVectorizerParams& params);

}  // namespace kiln

#endif  // KILN_OPS_TF_IDF_VECTORIZER_H_
