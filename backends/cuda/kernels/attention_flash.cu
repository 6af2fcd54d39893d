// Tensor-core attention for fp16 (the flash-attention scheme): a block of
// four warps takes 64 query rows of one (batch, head), a warp 16 of them;
// the keys go by in tiles of 64, K and V staged in shared memory. Per tile
// each warp computes its 16x64 logits with mma.sync m16n8k16 (fp16 inputs,
// fp32 sums), applies the scale, the causal limit and the mask in fp32,
// updates its rows' running max and sum (the online softmax), rounds the
// weights to fp16 and adds P·V into fp32 accumulators with the same
// instruction. Nothing of size Sq x Sk is ever written to memory, and no
// shape is fixed at build: B, H, Sq, Sk and every stride come per run.
//
// Semantics are kernels::Attention's (ops/attention.h): a -inf logit has
// weight 0, a NaN logit makes its row NaN, +inf gives NaN as the unfused
// softmax does, a row with no visible key is zeros. The one difference is
// rounding: the softmax weights are fp16 when multiplied by V (as cuDNN's
// SDPA does).
//
// Fragment layouts (PTX ISA, mma.m16n8k16 with .f16 A/B and .f32 C): lane
// = 4 * g + t. A (16x16, row major): a0 = (g, 2t..2t+1), a1 = (g+8, 2t..),
// a2 = (g, 2t+8..), a3 = (g+8, 2t+8..). B (16x8, column major): b0 =
// (2t..2t+1, g), b1 = (2t+8.., g). C (16x8): c0, c1 = (g, 2t..2t+1), c2, c3
// = (g+8, 2t..2t+1). An accumulator pair of two neighbouring 8-key C tiles
// is therefore already the A fragment of P for the next product.
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>

#include "backends/cuda/kernels/attention.h"
#include "backends/cuda/kernels/float_io.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kFlashWarps = 4;
constexpr int kFlashRows = 16 * kFlashWarps;  // query rows per block
constexpr int kFlashKeys = 64;                // keys per tile
constexpr float kLog2e = 1.4426950408889634f;

__device__ __forceinline__ void Mma16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0,
                                         uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two fp16 values in one register, `lo` in the low half (the lower column).
__device__ __forceinline__ uint32_t Pack(__half lo, __half hi) {
  return static_cast<uint32_t>(__half_as_ushort(lo)) |
         (static_cast<uint32_t>(__half_as_ushort(hi)) << 16);
}
__device__ __forceinline__ uint32_t Pack(float lo, float hi) {
  return Pack(__float2half_rn(lo), __float2half_rn(hi));
}

__device__ __forceinline__ float GroupMax(float v) {
  v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}
__device__ __forceinline__ float GroupSum(float v) {
  v += __shfl_xor_sync(0xffffffffu, v, 1);
  return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

template <int D, typename M>
__global__ void __launch_bounds__(kFlashWarps * 32)
    FlashAttentionKernel(AttentionShape s, int64_t query_tiles, const __half* __restrict__ q,
                         const __half* __restrict__ k, const __half* __restrict__ v,
                         const M* __restrict__ mask, __half* __restrict__ out) {
  constexpr int kSteps = D / 16;  // k-steps of Q·Kᵀ
  constexpr int kDTiles = D / 8;  // 8-column tiles of the output
  constexpr int kStride = D + 8;  // shared row stride in halves: conflict-free fragments
  constexpr int kChunksPerRow = D / 8;  // 16-byte chunks
  __shared__ __align__(16) __half k_tile[kFlashKeys * kStride];
  __shared__ __align__(16) __half v_tile[kFlashKeys * kStride];

  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int g = lane / 4, t = lane % 4;
  const int64_t tile = blockIdx.x % query_tiles;
  const int64_t bh = blockIdx.x / query_tiles;
  const int64_t b = bh / s.heads, h = bh % s.heads;
  const int64_t block_row0 = tile * kFlashRows;
  const int64_t rows[2] = {block_row0 + warp * 16 + g, block_row0 + warp * 16 + g + 8};
  const __half* q_bh = q + b * s.q.batch + h * s.q.head;
  const __half* k_bh = k + b * s.k.batch + h * s.k.head;
  const __half* v_bh = v + b * s.v.batch + h * s.v.head;
  const M* mask_bh = mask != nullptr ? mask + b * s.mask_strides[0] + h * s.mask_strides[1]
                                     : nullptr;

  uint32_t qa[kSteps][4];
#pragma unroll
  for (int ks = 0; ks < kSteps; ++ks) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
#pragma unroll
      for (int c = 0; c < 2; ++c) {
        uint32_t value = 0;
        if (rows[r] < s.sq) {
          value = *reinterpret_cast<const uint32_t*>(q_bh + rows[r] * s.q.seq + ks * 16 + c * 8 +
                                                     t * 2);
        }
        qa[ks][r + 2 * c] = value;
      }
    }
  }

  float o[kDTiles][4];
#pragma unroll
  for (int n = 0; n < kDTiles; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.0f;
  float row_max[2] = {-INFINITY, -INFINITY}, row_sum[2] = {0.0f, 0.0f};
  int nan[2] = {0, 0};

  // Keys past i + (Sk - Sq) are hidden under causal: none past the block's
  // last row's limit is loaded.
  int64_t key_end = s.sk;
  if (s.causal) {
    const int64_t last_row = min(s.sq, block_row0 + kFlashRows) - 1;
    key_end = max(static_cast<int64_t>(0), min(s.sk, last_row + s.sk - s.sq + 1));
  }
  for (int64_t j0 = 0; j0 < key_end; j0 += kFlashKeys) {
    __syncthreads();  // the previous tile's readers are done
    for (int c = threadIdx.x; c < kFlashKeys * kChunksPerRow; c += kFlashWarps * 32) {
      const int r = c / kChunksPerRow, col = (c % kChunksPerRow) * 8;
      const int64_t j = j0 + r;
      uint4 kv = make_uint4(0, 0, 0, 0), vv = make_uint4(0, 0, 0, 0);
      if (j < s.sk) {
        kv = *reinterpret_cast<const uint4*>(k_bh + j * s.k.seq + col);
        vv = *reinterpret_cast<const uint4*>(v_bh + j * s.v.seq + col);
      }
      *reinterpret_cast<uint4*>(&k_tile[r * kStride + col]) = kv;
      *reinterpret_cast<uint4*>(&v_tile[r * kStride + col]) = vv;
    }
    __syncthreads();

    // Logits of the warp's 16 rows x the tile's 64 keys: 8 C tiles of 8 keys.
    float sc[kFlashKeys / 8][4];
#pragma unroll
    for (int n = 0; n < kFlashKeys / 8; ++n) {
      sc[n][0] = sc[n][1] = sc[n][2] = sc[n][3] = 0.0f;
      const __half* k_row = &k_tile[(n * 8 + g) * kStride + t * 2];
#pragma unroll
      for (int ks = 0; ks < kSteps; ++ks) {
        const uint32_t b0 = *reinterpret_cast<const uint32_t*>(k_row + ks * 16);
        const uint32_t b1 = *reinterpret_cast<const uint32_t*>(k_row + ks * 16 + 8);
        Mma16816(sc[n], qa[ks], b0, b1);
      }
    }
    float tile_max[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int n = 0; n < kFlashKeys / 8; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int r = e / 2;
        const int64_t i = rows[r];
        const int64_t j = j0 + n * 8 + t * 2 + (e & 1);
        float x = sc[n][e] * s.scale;
        const bool visible = j < s.sk && (!s.causal || j <= i + s.sk - s.sq);
        if (visible && mask_bh != nullptr && i < s.sq) {
          x += ToFloat(mask_bh[i * s.mask_strides[2] + j * s.mask_strides[3]]);
        }
        if (!visible) x = -INFINITY;
        if (x != x) {
          nan[r] = 1;
          x = -INFINITY;
        }
        sc[n][e] = x;
        tile_max[r] = fmaxf(tile_max[r], x);
      }
    }
    float rescale[2], scaled_max[2];
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const float new_max = fmaxf(row_max[r], GroupMax(tile_max[r]));
      // -inf to -inf: nothing seen yet, nothing to rescale. +inf gives NaN
      // (inf - inf), as the unfused softmax does.
      rescale[r] = new_max == -INFINITY ? 1.0f : exp2f((row_max[r] - new_max) * kLog2e);
      scaled_max[r] = new_max * kLog2e;
      row_max[r] = new_max;
    }
    float tile_sum[2] = {0.0f, 0.0f};
#pragma unroll
    for (int n = 0; n < kFlashKeys / 8; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int r = e / 2;
        const float x = sc[n][e];
        const float p = x == -INFINITY ? 0.0f : exp2f(fmaf(x, kLog2e, -scaled_max[r]));
        sc[n][e] = p;
        tile_sum[r] += p;
      }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) row_sum[r] = row_sum[r] * rescale[r] + tile_sum[r];
#pragma unroll
    for (int n = 0; n < kDTiles; ++n) {
      o[n][0] *= rescale[0];
      o[n][1] *= rescale[0];
      o[n][2] *= rescale[1];
      o[n][3] *= rescale[1];
    }
    // O += P·V, 16 keys at a time; V's B fragment pairs two rows of the tile.
#pragma unroll
    for (int kk = 0; kk < kFlashKeys / 16; ++kk) {
      const uint32_t pa[4] = {Pack(sc[2 * kk][0], sc[2 * kk][1]),
                              Pack(sc[2 * kk][2], sc[2 * kk][3]),
                              Pack(sc[2 * kk + 1][0], sc[2 * kk + 1][1]),
                              Pack(sc[2 * kk + 1][2], sc[2 * kk + 1][3])};
      const __half* v_col = &v_tile[(kk * 16 + t * 2) * kStride + g];
#pragma unroll
      for (int n = 0; n < kDTiles; ++n) {
        const __half* p = v_col + n * 8;
        const uint32_t b0 = Pack(p[0], p[kStride]);
        const uint32_t b1 = Pack(p[8 * kStride], p[9 * kStride]);
        Mma16816(o[n], pa, b0, b1);
      }
    }
  }

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const float sum = GroupSum(row_sum[r]);
    int any_nan = nan[r];
    any_nan |= __shfl_xor_sync(0xffffffffu, any_nan, 1);
    any_nan |= __shfl_xor_sync(0xffffffffu, any_nan, 2);
    const int64_t i = rows[r];
    if (i >= s.sq) continue;
    const bool bad = any_nan != 0 || sum != sum;
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;  // no visible key: zeros
    __half* out_row = out + b * s.out.batch + h * s.out.head + i * s.out.seq + t * 2;
#pragma unroll
    for (int n = 0; n < kDTiles; ++n) {
      const __half2 value = bad ? __floats2half2_rn(NAN, NAN)
                                : __floats2half2_rn(o[n][2 * r] * inv, o[n][2 * r + 1] * inv);
      *reinterpret_cast<__half2*>(out_row + n * 8) = value;
    }
  }
}

template <int D, typename M>
cudaError_t LaunchFlash(const AttentionShape& s, const __half* q, const __half* k,
                        const __half* v, const M* mask, __half* out, cudaStream_t stream) {
  const int64_t query_tiles = (s.sq + kFlashRows - 1) / kFlashRows;
  const int64_t blocks = query_tiles * s.batch * s.heads;
  if (blocks == 0) return cudaSuccess;
  if (blocks > 0x7fffffff) return cudaErrorInvalidValue;
  FlashAttentionKernel<D, M><<<static_cast<unsigned>(blocks), kFlashWarps * 32, 0, stream>>>(
      s, query_tiles, q, k, v, mask, out);
  return cudaGetLastError();
}

template <typename M>
cudaError_t DispatchFlash(const AttentionShape& s, const __half* q, const __half* k,
                          const __half* v, const M* mask, __half* out, cudaStream_t stream) {
  switch (s.d) {
    case 16: return LaunchFlash<16>(s, q, k, v, mask, out, stream);
    case 32: return LaunchFlash<32>(s, q, k, v, mask, out, stream);
    case 64: return LaunchFlash<64>(s, q, k, v, mask, out, stream);
    case 96: return LaunchFlash<96>(s, q, k, v, mask, out, stream);
    case 128: return LaunchFlash<128>(s, q, k, v, mask, out, stream);
    default: return cudaErrorInvalidValue;
  }
}

bool Aligned(const void* p, uintptr_t bytes) {
  return reinterpret_cast<uintptr_t>(p) % bytes == 0;
}

}  // namespace

bool AttentionFlashSupports(const AttentionShape& s) {
  if (s.d != s.dv) return false;
  if (s.d != 16 && s.d != 32 && s.d != 64 && s.d != 96 && s.d != 128) return false;
  // Q, K and V rows are read 16 bytes (8 halves) at a time, the output
  // written 4 bytes at a time.
  for (const AttentionStrides& st : {s.q, s.k, s.v}) {
    if (st.batch % 8 != 0 || st.head % 8 != 0 || st.seq % 8 != 0) return false;
  }
  return s.out.batch % 2 == 0 && s.out.head % 2 == 0 && s.out.seq % 2 == 0;
}

bool AttentionFlashSupportsPointers(const void* q, const void* k, const void* v,
                                    const void* out) {
  return Aligned(q, 16) && Aligned(k, 16) && Aligned(v, 16) && Aligned(out, 4);
}

cudaError_t AttentionFlash(const AttentionShape& s, const __half* q, const __half* k,
                           const __half* v, const void* mask, bool mask_is_half, __half* out,
                           cudaStream_t stream) {
  if (!AttentionFlashSupports(s) || !AttentionFlashSupportsPointers(q, k, v, out)) {
    return cudaErrorInvalidValue;
  }
  if (mask == nullptr) return DispatchFlash<float>(s, q, k, v, nullptr, out, stream);
  if (mask_is_half) {
    return DispatchFlash(s, q, k, v, static_cast<const __half*>(mask), out, stream);
  }
  return DispatchFlash(s, q, k, v, static_cast<const float*>(mask), out, stream);
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
