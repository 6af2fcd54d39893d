#ifndef KILN_BACKENDS_CUDA_KERNELS_ATTENTION_H_
#define KILN_BACKENDS_CUDA_KERNELS_ATTENTION_H_

// The chunked variant of kiln's attention kernel (attention.cu): the same
// semantics and arguments as kernels::Attention (kernels.h), keys taken 32
// at a time with a lane per key, for head sizes up to kMaxChunkedAttentionD.
// Written because with the row kernel, whose every key is a chain of warp
// shuffles, BERT-base in fp32 at batch 128 took 166 ms on an H100 against 7 ms
// in fp16 (where cuDNN's SDPA, fp16 only, runs the attention).

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {

inline constexpr int64_t kMaxChunkedAttentionD = 256;

template <typename T>
cudaError_t AttentionChunked(const AttentionShape& shape, const T* q, const T* k, const T* v,
                             const void* mask, bool mask_is_half, T* out, cudaStream_t stream);

// Tensor-core attention for fp16 (attention_flash.cu): the semantics of
// kernels::Attention, the softmax weights rounded to fp16 before P·V. Takes
// D == Dv in {16, 32, 64, 96, 128}, Q/K/V strides that are multiples of 8
// elements and output strides multiples of 2 (AttentionFlashSupports), and
// Q/K/V pointers 16-byte aligned, the output 4-byte aligned
// (AttentionFlashSupportsPointers); anything else is cudaErrorInvalidValue.
bool AttentionFlashSupports(const AttentionShape& shape);
bool AttentionFlashSupportsPointers(const void* q, const void* k, const void* v, const void* out);
cudaError_t AttentionFlash(const AttentionShape& shape, const __half* q, const __half* k,
                           const __half* v, const void* mask, bool mask_is_half, __half* out,
                           cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_ATTENTION_H_
