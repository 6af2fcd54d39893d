// cuda TfIdfVectorizer: kiln's own kernels (kernels/signal.cu). The pool
// travels in the kernels' parameters (no device allocation, nothing to
// upload at run time), so Supports refuses pools larger than the fixed
// arrays of kernels::TfIdfPool.
#include "ops/tf_idf_vectorizer.h"

#include "backends/cuda/common.h"
#include "backends/cuda/kernels/sequence.h"
#include "backends/cuda/status.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"

namespace kiln {
namespace cuda {
namespace {

// The n-grams cpu_ref counts (sizes in the gram range), in pool order.
absl::StatusOr<std::unique_ptr<kernels::TfIdfPool>> MakePool(const TfIdfVectorizerParams& p) {
  auto pool = std::make_unique<kernels::TfIdfPool>();
  if (p.pool_int64s.size() > static_cast<size_t>(kernels::kTfIdfMaxTokens)) {
    return absl::UnimplementedError(absl::StrCat("the pool has ", p.pool_int64s.size(),
                                                 " tokens; at most ", kernels::kTfIdfMaxTokens,
                                                 " are supported"));
  }
  if (!p.weights.empty() && p.OutputSize() > kernels::kTfIdfMaxWeights) {
    return absl::UnimplementedError(absl::StrCat(p.OutputSize(), " weighted output columns; at most ",
                                                 kernels::kTfIdfMaxWeights, " are supported"));
  }
  pool->mode = p.mode == "IDF" ? kernels::kTfIdfIdf
               : p.mode == "TFIDF" ? kernels::kTfIdfTfIdf
                                   : kernels::kTfIdfTf;
  pool->min_gram = p.min_gram_length;
  pool->max_gram = p.max_gram_length;
  pool->max_skip = p.max_skip_count;
  const int64_t pool_size = static_cast<int64_t>(p.pool_int64s.size());
  for (int64_t i = 0; i < pool_size; ++i) pool->tokens[i] = p.pool_int64s[i];
  int64_t ngram_id = 0;
  for (size_t i = 0; i < p.ngram_counts.size(); ++i) {
    const int64_t size = static_cast<int64_t>(i) + 1;
    const int64_t begin = p.ngram_counts[i];
    const int64_t end = i + 1 < p.ngram_counts.size() ? p.ngram_counts[i + 1] : pool_size;
    for (int64_t offset = begin; offset < end; offset += size, ++ngram_id) {
      if (size < p.min_gram_length || size > p.max_gram_length) continue;
      if (pool->num_ngrams == kernels::kTfIdfMaxNgrams) {
        return absl::UnimplementedError(absl::StrCat(
            "more than ", kernels::kTfIdfMaxNgrams, " n-grams are counted; that many are supported"));
      }
      const int n = pool->num_ngrams++;
      pool->ngram_size[n] = static_cast<int32_t>(size);
      pool->ngram_offset[n] = static_cast<int32_t>(offset);
      pool->ngram_column[n] = static_cast<int32_t>(p.ngram_indexes[ngram_id]);
    }
  }
  pool->has_weights = !p.weights.empty();
  for (size_t c = 0; c < p.weights.size() && c < static_cast<size_t>(kernels::kTfIdfMaxWeights);
       ++c) {
    pool->weights[c] = p.weights[c];
  }
  return pool;
}

class TfIdfVectorizerKernel : public Kernel {
 public:
  explicit TfIdfVectorizerKernel(std::unique_ptr<kernels::TfIdfPool> pool)
      : pool_(std::move(pool)) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& x = args.input_descs[0];
    const int64_t rows = x.rank() == 2 ? x.dims[0] : 1;
    KILN_CUDA_RETURN_IF_ERROR(kernels::TfIdfVectorize(
        *pool_, rows, x.dims.back(), args.output_descs[0].dims.back(), args.inputs[0],
        x.dtype == DataType::kInt64, static_cast<float*>(args.outputs[0]),
        ResourcesOf(args).stream()));
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<kernels::TfIdfPool> pool_;  // ~18 KB: kept off the stack of callers
};

class TfIdfVectorizerTactic : public CudaTactic {
 public:
  TfIdfVectorizerTactic()
      : CudaTactic("cuda.tf_idf_vectorizer.kernel.int32_int64", kTfIdfVectorizerOp,
                   /*accepts_nhwc=*/false, /*dynamic_shapes=*/true) {}

  absl::Status Supports(const NodeContext& node) const override {
    KILN_RETURN_IF_ERROR(RequireLinear(node));
    const DataType dtype = node.inputs[0].dtype;
    if (dtype != DataType::kInt32 && dtype != DataType::kInt64) {
      return absl::UnimplementedError(
          absl::StrCat("input is ", DataTypeName(dtype), "; expected int32 or int64"));
    }
    KILN_ASSIGN_OR_RETURN(TfIdfVectorizerParams params,
                          TfIdfVectorizerParams::FromAttrs(node.attrs));
    return MakePool(params).status();
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(TfIdfVectorizerParams params,
                          TfIdfVectorizerParams::FromAttrs(node.attrs));
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<kernels::TfIdfPool> pool, MakePool(params));
    return std::unique_ptr<Kernel>(std::make_unique<TfIdfVectorizerKernel>(std::move(pool)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<TfIdfVectorizerTactic>());

}  // namespace cuda
}  // namespace kiln
