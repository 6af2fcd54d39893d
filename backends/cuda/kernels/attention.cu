// Scaled dot-product attention, one warp per query row (ops/attention.h's
// semantics): the logits of the row's keys one at a time (the q.k dot
// product summed across the warp), an online softmax (running max and sum,
// the accumulator rescaled when the max grows), and the weighted sum of V,
// each lane holding every 32nd element of the output row. Everything is
// fp32; fp16 outputs are rounded once at the store. No shared memory and no
// limit on Sk; Dv beyond kMaxDvPerPass elements is covered by more passes
// over the keys (gridDim.y). A row that every key is masked from gives
// zeros; a NaN logit makes its row NaN, as the unfused math does.
//
// This is the cuda backend's Attention for any shape, type and mask; the
// cuDNN SDPA tactic (attention_sdpa.cc) is the fast one where it applies.
#include <cmath>

#include "backends/cuda/kernels/attention.h"
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kWarpsPerBlock = 4;
constexpr int kMaxDvPerLane = kMaxDvPerPass / 32;

__device__ __forceinline__ float WarpSum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

template <typename T, typename M>
__global__ void AttentionRowsKernel(AttentionShape s, const T* __restrict__ q,
                                    const T* __restrict__ k, const T* __restrict__ v,
                                    const M* __restrict__ mask, T* __restrict__ out) {
  const int lane = threadIdx.x % 32;
  const int64_t row = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + threadIdx.x / 32;
  if (row >= s.batch * s.heads * s.sq) return;
  const int64_t i = row % s.sq;
  const int64_t bh = row / s.sq;
  const int64_t b = bh / s.heads, h = bh % s.heads;
  const int64_t dv0 = blockIdx.y * static_cast<int64_t>(kMaxDvPerPass);  // this pass's columns
  const T* q_row = q + b * s.q.batch + h * s.q.head + i * s.q.seq;
  const T* k_bh = k + b * s.k.batch + h * s.k.head;
  const T* v_bh = v + b * s.v.batch + h * s.v.head;
  const M* mask_row =
      mask != nullptr ? mask + b * s.mask_strides[0] + h * s.mask_strides[1] + i * s.mask_strides[2]
                      : nullptr;
  // Keys past i + (Sk - Sq) are hidden under causal.
  const int64_t last = s.causal ? min(s.sk - 1, i + s.sk - s.sq) : s.sk - 1;
  float acc[kMaxDvPerLane];
#pragma unroll
  for (int t = 0; t < kMaxDvPerLane; ++t) acc[t] = 0.0f;
  float max = -INFINITY, sum = 0.0f;
  bool nan = false;
  for (int64_t j = 0; j <= last; ++j) {
    const T* k_row = k_bh + j * s.k.seq;
    float dot = 0.0f;
    for (int64_t e = lane; e < s.d; e += 32) dot = fmaf(ToFloat(q_row[e]), ToFloat(k_row[e]), dot);
    float logit = WarpSum(dot) * s.scale;
    if (mask_row != nullptr) logit += ToFloat(mask_row[j * s.mask_strides[3]]);
    if (logit != logit) {
      nan = true;
      continue;
    }
    if (logit == -INFINITY) continue;  // weight 0
    const float new_max = fmaxf(max, logit);
    // +inf logits give inf - inf = NaN here, as the unfused softmax does.
    const float rescale = expf(max - new_max);
    const float p = expf(logit - new_max);
    max = new_max;
    sum = sum * rescale + p;
    const T* v_row = v_bh + j * s.v.seq;
#pragma unroll
    for (int t = 0; t < kMaxDvPerLane; ++t) {
      const int64_t e = dv0 + lane + 32 * t;
      const float ve = e < s.dv ? ToFloat(v_row[e]) : 0.0f;
      acc[t] = fmaf(p, ve, acc[t] * rescale);
    }
  }
  T* out_row = out + b * s.out.batch + h * s.out.head + i * s.out.seq;
  const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;  // no visible key: zeros
#pragma unroll
  for (int t = 0; t < kMaxDvPerLane; ++t) {
    const int64_t e = dv0 + lane + 32 * t;
    if (e < s.dv) out_row[e] = FromFloat<T>(nan || sum != sum ? NAN : acc[t] * inv);
  }
}

// The chunked variant: a warp still owns a query row, but takes its keys 32
// at a time, lane j computing the whole q.k_j dot product, so a chunk costs
// two warp reductions (its max and its sum) instead of one per key, and the
// dot products run side by side instead of as a chain of shuffles. A block
// holds kChunkedWarps consecutive query rows of one (batch, head) and stages
// each chunk of K in shared memory as fp32, read coalesced once for all its
// rows (with each lane reading its own key row from global memory, every
// load touched 32 cache lines: BERT-base's fp32 attention at batch 128 took
// 7.7 ms a layer on an H100). Rows are padded to an odd stride, so the lanes'
// reads of k_j[e] hit 32 different banks. The V rows of the chunk's
// contributing keys are then added in key order, each lane holding every
// 32nd output column, as AttentionRowsKernel does. Semantics are
// AttentionRowsKernel's: a -inf logit is skipped, a NaN logit makes the row
// NaN, a row with no visible key is zeros.
constexpr int kChunkedWarps = 8;
constexpr int kChunkKeys = 32;

// Odd, so that lane j's read of k_j[e] is in bank (j * stride + e) % 32.
__host__ __device__ __forceinline__ int KeyStride(int d) { return d % 2 == 0 ? d + 1 : d; }

template <typename T, typename M>
__global__ void __launch_bounds__(kChunkedWarps * 32)
    AttentionChunkedKernel(AttentionShape s, int64_t row_tiles, const T* __restrict__ q,
                           const T* __restrict__ k, const T* __restrict__ v,
                           const M* __restrict__ mask, T* __restrict__ out) {
  // kChunkedWarps rows of q, then kChunkKeys rows of K (LaunchChunked sizes it).
  extern __shared__ float shared[];
  const int lane = threadIdx.x % 32;
  const int warp = threadIdx.x / 32;
  const int64_t bh = blockIdx.x / row_tiles;
  const int64_t first_row = (blockIdx.x % row_tiles) * kChunkedWarps;
  const int64_t i = first_row + warp;
  const bool has_row = i < s.sq;  // rows past Sq still help stage K
  const int64_t b = bh / s.heads, h = bh % s.heads;
  const int64_t dv0 = blockIdx.y * static_cast<int64_t>(kMaxDvPerPass);
  const int d = static_cast<int>(s.d);
  const int stride = KeyStride(d);
  float* q_f = shared + warp * d;
  float* k_shared = shared + kChunkedWarps * d;
  if (has_row) {
    const T* q_row = q + b * s.q.batch + h * s.q.head + i * s.q.seq;
    for (int e = lane; e < d; e += 32) q_f[e] = ToFloatArith(q_row[e]);
  }
  const T* k_bh = k + b * s.k.batch + h * s.k.head;
  const T* v_bh = v + b * s.v.batch + h * s.v.head;
  const M* mask_row = mask != nullptr && has_row ? mask + b * s.mask_strides[0] +
                                                       h * s.mask_strides[1] +
                                                       i * s.mask_strides[2]
                                                 : nullptr;
  // Keys past i + (Sk - Sq) are hidden under causal; the block stages up to
  // the last key any of its rows sees.
  const int64_t last = s.causal ? min(s.sk - 1, i + s.sk - s.sq) : s.sk - 1;
  const int64_t block_last_row = min(first_row + kChunkedWarps, s.sq) - 1;
  const int64_t block_last = s.causal ? min(s.sk - 1, block_last_row + s.sk - s.sq) : s.sk - 1;
  const int64_t columns = min(static_cast<int64_t>(kMaxDvPerPass), s.dv - dv0);
  float acc[kMaxDvPerLane];
#pragma unroll
  for (int t = 0; t < kMaxDvPerLane; ++t) acc[t] = 0.0f;
  float max = -INFINITY, sum = 0.0f;
  bool nan = false;
  for (int64_t j0 = 0; j0 <= block_last; j0 += kChunkKeys) {
    __syncthreads();  // the previous chunk's readers are done with k_shared
    for (int r = warp; r < kChunkKeys; r += kChunkedWarps) {  // a warp per key row
      const T* k_row = k_bh + (j0 + r) * s.k.seq;
      for (int e = lane; e < d; e += 32) {
        k_shared[r * stride + e] = j0 + r <= block_last ? ToFloatArith(k_row[e]) : 0.0f;
      }
    }
    __syncthreads();
    if (!has_row || j0 > last) continue;
    const int64_t j = j0 + lane;
    float logit = -INFINITY;
    if (j <= last) {
      const float* k_f = k_shared + lane * stride;
      float dot = 0.0f;
      for (int e = 0; e < d; ++e) dot = fmaf(q_f[e], k_f[e], dot);
      logit = dot * s.scale;
      if (mask_row != nullptr) logit += ToFloat(mask_row[j * s.mask_strides[3]]);
    }
    if (__any_sync(0xffffffffu, logit != logit)) nan = true;
    // Keys that add to the row: not -inf (weight 0), not NaN (the row is NaN).
    const unsigned contributing = __ballot_sync(0xffffffffu, logit == logit && logit != -INFINITY);
    if (contributing == 0u) continue;
    float chunk_max = (contributing >> lane) & 1u ? logit : -INFINITY;
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) {
      chunk_max = fmaxf(chunk_max, __shfl_xor_sync(0xffffffffu, chunk_max, offset));
    }
    const float new_max = fmaxf(max, chunk_max);
    // +inf logits give inf - inf = NaN here, as the unfused softmax does.
    const float rescale = expf(max - new_max);
    const float p = (contributing >> lane) & 1u ? expf(logit - new_max) : 0.0f;
    max = new_max;
    sum = sum * rescale + WarpSum(p);
#pragma unroll
    for (int t = 0; t < kMaxDvPerLane; ++t) acc[t] *= rescale;
    for (unsigned bits = contributing; bits != 0u; bits &= bits - 1u) {
      const int jj = __ffs(bits) - 1;
      const float pj = __shfl_sync(0xffffffffu, p, jj);
      const T* v_row = v_bh + (j0 + jj) * s.v.seq + dv0;
#pragma unroll
      for (int t = 0; t < kMaxDvPerLane; ++t) {
        const int64_t e = lane + 32 * t;
        if (e < columns) acc[t] = fmaf(pj, ToFloatArith(v_row[e]), acc[t]);
      }
    }
  }
  if (!has_row) return;
  T* out_row = out + b * s.out.batch + h * s.out.head + i * s.out.seq + dv0;
  const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;  // no visible key: zeros
#pragma unroll
  for (int t = 0; t < kMaxDvPerLane; ++t) {
    const int64_t e = lane + 32 * t;
    if (e < columns) out_row[e] = FromFloat<T>(nan || sum != sum ? NAN : acc[t] * inv);
  }
}

template <typename T, typename M>
cudaError_t LaunchChunked(const AttentionShape& s, const T* q, const T* k, const T* v,
                          const M* mask, T* out, cudaStream_t stream) {
  if (s.batch * s.heads * s.sq == 0 || s.dv == 0) return cudaSuccess;
  if (s.d > kMaxChunkedAttentionD) return cudaErrorInvalidValue;
  const int64_t row_tiles = (s.sq + kChunkedWarps - 1) / kChunkedWarps;
  const int64_t blocks = s.batch * s.heads * row_tiles;
  const int64_t passes = (s.dv + kMaxDvPerPass - 1) / kMaxDvPerPass;
  if (blocks > 0x7fffffff || passes > 65535) return cudaErrorInvalidValue;
  const dim3 grid(static_cast<unsigned>(blocks), static_cast<unsigned>(passes));
  const size_t shared_bytes =
      sizeof(float) * (kChunkedWarps * s.d + kChunkKeys * KeyStride(static_cast<int>(s.d)));
  AttentionChunkedKernel<T, M>
      <<<grid, kChunkedWarps * 32, shared_bytes, stream>>>(s, row_tiles, q, k, v, mask, out);
  return cudaGetLastError();
}

template <typename T, typename M>
cudaError_t Launch(const AttentionShape& s, const T* q, const T* k, const T* v, const M* mask,
                   T* out, cudaStream_t stream) {
  const int64_t rows = s.batch * s.heads * s.sq;
  if (rows == 0 || s.dv == 0) return cudaSuccess;
  const int64_t blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  const int64_t passes = (s.dv + kMaxDvPerPass - 1) / kMaxDvPerPass;
  if (blocks > 0x7fffffff || passes > 65535) return cudaErrorInvalidValue;
  const dim3 grid(static_cast<unsigned>(blocks), static_cast<unsigned>(passes));
  AttentionRowsKernel<T, M><<<grid, kWarpsPerBlock * 32, 0, stream>>>(s, q, k, v, mask, out);
  return cudaGetLastError();
}

}  // namespace

template <typename T>
cudaError_t Attention(const AttentionShape& s, const T* q, const T* k, const T* v,
                      const void* mask, bool mask_is_half, T* out, cudaStream_t stream) {
  if (mask == nullptr) return Launch<T, float>(s, q, k, v, nullptr, out, stream);
  if (mask_is_half) return Launch(s, q, k, v, static_cast<const __half*>(mask), out, stream);
  return Launch(s, q, k, v, static_cast<const float*>(mask), out, stream);
}

template <typename T>
cudaError_t AttentionChunked(const AttentionShape& s, const T* q, const T* k, const T* v,
                             const void* mask, bool mask_is_half, T* out, cudaStream_t stream) {
  if (mask == nullptr) return LaunchChunked<T, float>(s, q, k, v, nullptr, out, stream);
  if (mask_is_half) {
    return LaunchChunked(s, q, k, v, static_cast<const __half*>(mask), out, stream);
  }
  return LaunchChunked(s, q, k, v, static_cast<const float*>(mask), out, stream);
}

template cudaError_t AttentionChunked<float>(const AttentionShape&, const float*, const float*,
                                             const float*, const void*, bool, float*,
                                             cudaStream_t);
template cudaError_t AttentionChunked<__half>(const AttentionShape&, const __half*, const __half*,
                                              const __half*, const void*, bool, __half*,
                                              cudaStream_t);
template cudaError_t Attention<float>(const AttentionShape&, const float*, const float*,
                                      const float*, const void*, bool, float*, cudaStream_t);
template cudaError_t Attention<__half>(const AttentionShape&, const __half*, const __half*,
                                       const __half*, const void*, bool, __half*, cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
