// cpu_ref TfIdfVectorizer: for every skip distance, start position and
// n-gram size, compares the n-gram read from the row with every pool n-gram
// of that size (a linear search: the readable reference), counting a match
// in that n-gram's output column; then applies the mode's weighting.
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/tf_idf_vectorizer.h"

namespace kiln {
namespace cpu_ref {
namespace {

// One n-gram of the pool that is counted (its size is in the gram range).
struct PoolNgram {
  int64_t size;
  int64_t offset;  // into pool_int64s
  int64_t column;  // output column
};

class TfIdfVectorizerKernel : public Kernel {
 public:
  explicit TfIdfVectorizerKernel(TfIdfVectorizerParams params) : params_(std::move(params)) {
    const int64_t pool_size = static_cast<int64_t>(params_.pool_int64s.size());
    int64_t ngram_id = 0;  // position in ngram_indexes
    for (size_t i = 0; i < params_.ngram_counts.size(); ++i) {
      const int64_t size = static_cast<int64_t>(i) + 1;
      const int64_t begin = params_.ngram_counts[i];
      const int64_t end =
          i + 1 < params_.ngram_counts.size() ? params_.ngram_counts[i + 1] : pool_size;
      for (int64_t offset = begin; offset < end; offset += size, ++ngram_id) {
        if (size < params_.min_gram_length || size > params_.max_gram_length) continue;
        // ONNX's reference keeps the last of duplicate pool n-grams, so Run
        // takes the last match in pool order.
        ngrams_.push_back({size, offset, params_.ngram_indexes[ngram_id]});
      }
    }
  }

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& x = args.input_descs[0];
    const int64_t rows = x.rank() == 2 ? x.dims[0] : 1;
    const int64_t row_size = x.dims.back();
    const int64_t columns = args.output_descs[0].dims.back();
    auto* out = static_cast<float*>(args.outputs[0]);
    for (int64_t i = 0; i < rows * columns; ++i) out[i] = 0.0f;
    const bool is_int64 = x.dtype == DataType::kInt64;
    auto token = [&](int64_t index) -> int64_t {
      return is_int64 ? static_cast<const int64_t*>(args.inputs[0])[index]
                      : static_cast<const int32_t*>(args.inputs[0])[index];
    };
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t row_begin = row * row_size;
      float* counts = out + row * columns;
      for (int64_t skip = 1; skip <= params_.max_skip_count + 1; ++skip) {
        for (int64_t start = 0; start < row_size; ++start) {
          for (int64_t size = params_.min_gram_length; size <= params_.max_gram_length; ++size) {
            if (size == 1 && skip > 1) continue;  // 1-grams are counted once
            if (start + skip * (size - 1) >= row_size) break;
            const PoolNgram* match = nullptr;
            for (const PoolNgram& ngram : ngrams_) {
              if (ngram.size != size) continue;
              bool equal = true;
              for (int64_t k = 0; k < size && equal; ++k) {
                equal = token(row_begin + start + k * skip) ==
                        params_.pool_int64s[ngram.offset + k];
              }
              if (equal) match = &ngram;  // keep the last
            }
            if (match != nullptr) counts[match->column] += 1.0f;
          }
        }
      }
      // Weighting: TF keeps counts; IDF marks presence; TFIDF scales counts.
      for (int64_t c = 0; c < columns; ++c) {
        const float weight = params_.weights.empty() ? 1.0f : params_.weights[c];
        if (params_.mode == "IDF") {
          counts[c] = counts[c] > 0.0f ? weight : 0.0f;
        } else if (params_.mode == "TFIDF") {
          counts[c] *= weight;
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  TfIdfVectorizerParams params_;
  std::vector<PoolNgram> ngrams_;
};

class TfIdfVectorizerTactic : public Tactic {
 public:
  TfIdfVectorizerTactic()
      : Tactic(TacticInfo{"cpu_ref.tf_idf_vectorizer.direct", kTfIdfVectorizerOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    const DataType dtype = node.inputs[0].dtype;
    if (dtype != DataType::kInt32 && dtype != DataType::kInt64) {
      return node.Error("input is ", DataTypeName(dtype), "; expected int32 or int64");
    }
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(TfIdfVectorizerParams params,
                          TfIdfVectorizerParams::FromAttrs(node.attrs));
    return std::unique_ptr<Kernel>(std::make_unique<TfIdfVectorizerKernel>(std::move(params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<TfIdfVectorizerTactic>());

}  // namespace cpu_ref
}  // namespace kiln
