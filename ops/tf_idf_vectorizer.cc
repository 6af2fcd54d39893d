#include "ops/tf_idf_vectorizer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status_macros.h"
#include "graph/op_registry.h"

namespace kiln {
namespace {

absl::StatusOr<std::vector<TensorDesc>> InferTfIdfVectorizer(const InferenceContext& ctx) {
  absl::StatusOr<TfIdfVectorizerParams> params = TfIdfVectorizerParams::FromAttrs(ctx.attrs);
  if (!params.ok()) return ctx.Error(params.status().message());
  const TensorDesc& x = ctx.inputs[0];
  if (x.dtype != DataType::kInt32 && x.dtype != DataType::kInt64) {
    return ctx.Error("input '", x.name, "' is ", DataTypeName(x.dtype),
                     "; TfIdfVectorizer takes int32 or int64 tokens");
  }
  if (x.rank() != 1 && x.rank() != 2) {
    return ctx.Error("input '", x.name, "' has dims ", DimsString(x.dims),
                     "; expected [C] or [B, C]");
  }
  TensorDesc out;
  out.dtype = DataType::kFloat32;
  if (x.rank() == 2) out.dims.push_back(x.dims[0]);
  out.dims.push_back(params->OutputSize());
  return std::vector<TensorDesc>{out};
}

OpSchema MakeTfIdfVectorizerSchema() {
  OpSchema schema;
  schema.name = kTfIdfVectorizerOp;
  schema.min_inputs = 1;
  schema.max_inputs = 1;
  schema.infer = InferTfIdfVectorizer;
  return schema;
}

}  // namespace

KILN_REGISTER_OP(MakeTfIdfVectorizerSchema());

AttrMap TfIdfVectorizerParams::ToAttrs() const {
  AttrMap attrs;
  attrs.Set("mode", mode);
  attrs.Set("min_gram_length", min_gram_length);
  attrs.Set("max_gram_length", max_gram_length);
  attrs.Set("max_skip_count", max_skip_count);
  attrs.Set("ngram_counts", ngram_counts);
  attrs.Set("ngram_indexes", ngram_indexes);
  attrs.Set("pool_int64s", pool_int64s);
  attrs.Set("weights", weights);
  return attrs;
}

int64_t TfIdfVectorizerParams::OutputSize() const {
  return ngram_indexes.empty()
             ? 0
             : *std::max_element(ngram_indexes.begin(), ngram_indexes.end()) + 1;
}

absl::StatusOr<TfIdfVectorizerParams> TfIdfVectorizerParams::FromAttrs(const AttrMap& attrs) {
  TfIdfVectorizerParams p;
  KILN_ASSIGN_OR_RETURN(p.mode, attrs.GetString("mode", "TF"));
  KILN_ASSIGN_OR_RETURN(p.min_gram_length, attrs.GetInt("min_gram_length", 1));
  KILN_ASSIGN_OR_RETURN(p.max_gram_length, attrs.GetInt("max_gram_length", 1));
  KILN_ASSIGN_OR_RETURN(p.max_skip_count, attrs.GetInt("max_skip_count", 0));
  KILN_ASSIGN_OR_RETURN(p.ngram_counts, attrs.GetInts("ngram_counts", {}));
  KILN_ASSIGN_OR_RETURN(p.ngram_indexes, attrs.GetInts("ngram_indexes", {}));
  KILN_ASSIGN_OR_RETURN(p.pool_int64s, attrs.GetInts("pool_int64s", {}));
  KILN_ASSIGN_OR_RETURN(p.weights, attrs.GetFloats("weights", {}));
  if (p.mode != "TF" && p.mode != "IDF" && p.mode != "TFIDF") {
    return absl::InvalidArgumentError(
        absl::StrCat("mode is '", p.mode, "'; expected TF, IDF or TFIDF"));
  }
  if (p.min_gram_length < 1 || p.max_gram_length < p.min_gram_length) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_gram_length ", p.min_gram_length, " and max_gram_length ",
                     p.max_gram_length, " must satisfy 1 <= min <= max"));
  }
  if (p.max_skip_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_skip_count is ", p.max_skip_count, "; expected >= 0"));
  }
  // ngram_counts: non-decreasing starts inside the pool, each group a whole
  // number of n-grams of its size.
  const int64_t pool_size = static_cast<int64_t>(p.pool_int64s.size());
  int64_t total_ngrams = 0;
  for (size_t i = 0; i < p.ngram_counts.size(); ++i) {
    const int64_t begin = p.ngram_counts[i];
    const int64_t end = i + 1 < p.ngram_counts.size() ? p.ngram_counts[i + 1] : pool_size;
    const int64_t size = static_cast<int64_t>(i) + 1;
    if (begin < 0 || end < begin || end > pool_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ngram_counts [", absl::StrJoin(p.ngram_counts, ","),
          "] must be non-decreasing starts inside pool_int64s (", pool_size, " values)"));
    }
    if ((end - begin) % size != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ", size, "-grams of pool_int64s (values ", begin, "..", end - 1,
                       ") are not a whole number of ", size, "-grams"));
    }
    total_ngrams += (end - begin) / size;
  }
  if (static_cast<int64_t>(p.ngram_indexes.size()) != total_ngrams || total_ngrams == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ngram_indexes has ", p.ngram_indexes.size(), " entries; the pool has ",
                     total_ngrams, " n-grams (expected one index each, at least one)"));
  }
  for (int64_t index : p.ngram_indexes) {
    if (index < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("ngram_indexes holds ", index, "; expected indexes >= 0"));
    }
  }
  if (!p.weights.empty() && static_cast<int64_t>(p.weights.size()) < p.OutputSize()) {
    return absl::InvalidArgumentError(absl::StrCat("weights has ", p.weights.size(),
                                                   " values; expected one per output column (",
                                                   p.OutputSize(), ") or none"));
  }
  return p;
}

absl::StatusOr<TensorId> AddTfIdfVectorizer(NetworkDefinition& network, absl::string_view name,
                                            TensorId input, const TfIdfVectorizerParams& params) {
  return network.AddLayer1(name, kTfIdfVectorizerOp, {input}, params.ToAttrs());
}

}  // namespace kiln
