#ifndef KILN_BACKENDS_CUDA_KERNELS_ATTENTION_H_
#define KILN_BACKENDS_CUDA_KERNELS_ATTENTION_H_

// The chunked variant of kiln's attention kernel (attention.cu): the same
// semantics and arguments as kernels::Attention (kernels.h), keys taken 32
// at a time with a lane per key, for head sizes up to kMaxChunkedAttentionD.
// Written because with the row kernel, whose every key is a chain of warp
// shuffles, BERT-base in fp32 at batch 128 took 166 ms on an H100 against 7 ms
// in fp16 (where cuDNN's SDPA, fp16 only, runs the attention).

#include <cuda_runtime.h>

#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {

inline constexpr int64_t kMaxChunkedAttentionD = 256;

template <typename T>
cudaError_t AttentionChunked(const AttentionShape& shape, const T* q, const T* k, const T* v,
                             const void* mask, bool mask_is_half, T* out, cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_ATTENTION_H_
