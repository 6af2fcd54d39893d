// DFT and STFT as cpu_ref computes them (the O(n^2) sum in double, twiddle
// angles from (k * t) mod n, no FMA contraction), and TfIdfVectorizer's
// n-gram counts (exact: counts are small integers, so atomic float adds in
// any order give cpu_ref's values).
#include <cuda_fp16.h>

#include <cstdint>

#include "backends/cuda/kernels/sequence.h"
#include "backends/cuda/kernels/sequence_device.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

using seq::Blocks;
using seq::GridStart;
using seq::GridStride;
using seq::kThreads;
using seq::Load;
using seq::Store;

constexpr double kPi = 3.14159265358979323846;  // M_PI

template <typename T>
__global__ void DftKernel(DftShape s, const T* __restrict__ in, T* __restrict__ out) {
  const int64_t total = s.outer * s.out_len * s.inner;
  const double sign = s.inverse ? 1.0 : -1.0;
  const double scale = s.inverse ? 1.0 / static_cast<double>(s.n) : 1.0;
  const double step = sign * (2.0 * kPi / static_cast<double>(s.n));
  const int64_t used = s.in_len < s.n ? s.in_len : s.n;
  for (int64_t idx = GridStart(); idx < total; idx += GridStride()) {
    const int64_t i = idx % s.inner;
    const int64_t k = (idx / s.inner) % s.out_len;
    const int64_t o = idx / (s.inner * s.out_len);
    double re = 0.0, im = 0.0;
    for (int64_t t = 0; t < used; ++t) {
      const int64_t at = ((o * s.in_len + t) * s.inner + i) * s.in_complex;
      const double xr = Load(in, at);
      const double xi = s.in_complex == 2 ? static_cast<double>(Load(in, at + 1)) : 0.0;
      const double angle = __dmul_rn(step, static_cast<double>((k * t) % s.n));
      double sn, cs;
      sincos(angle, &sn, &cs);
      re = __dadd_rn(re, __dsub_rn(__dmul_rn(xr, cs), __dmul_rn(xi, sn)));
      im = __dadd_rn(im, __dadd_rn(__dmul_rn(xr, sn), __dmul_rn(xi, cs)));
    }
    Store(out, idx * 2, static_cast<float>(re * scale));
    Store(out, idx * 2 + 1, static_cast<float>(im * scale));
  }
}

template <typename T>
__global__ void StftKernel(StftShape s, const T* __restrict__ signal, const T* __restrict__ window,
                           T* __restrict__ out) {
  const int64_t total = s.batch * s.frames * s.bins;
  const double step = -(2.0 * kPi / static_cast<double>(s.frame_length));
  for (int64_t idx = GridStart(); idx < total; idx += GridStride()) {
    const int64_t k = idx % s.bins;
    const int64_t f = (idx / s.bins) % s.frames;
    const int64_t b = idx / (s.bins * s.frames);
    const int64_t frame = (b * s.length + f * s.frame_step) * s.in_complex;
    double re = 0.0, im = 0.0;
    for (int64_t t = 0; t < s.frame_length; ++t) {
      const double w = window != nullptr ? static_cast<double>(Load(window, t)) : 1.0;
      const double xr = __dmul_rn(Load(signal, frame + t * s.in_complex), w);
      const double xi =
          s.in_complex == 2 ? __dmul_rn(Load(signal, frame + t * s.in_complex + 1), w) : 0.0;
      const double angle = __dmul_rn(step, static_cast<double>((k * t) % s.frame_length));
      double sn, cs;
      sincos(angle, &sn, &cs);
      re = __dadd_rn(re, __dsub_rn(__dmul_rn(xr, cs), __dmul_rn(xi, sn)));
      im = __dadd_rn(im, __dadd_rn(__dmul_rn(xr, sn), __dmul_rn(xi, cs)));
    }
    Store(out, idx * 2, static_cast<float>(re));
    Store(out, idx * 2 + 1, static_cast<float>(im));
  }
}

__global__ void ZeroKernel(int64_t n, float* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStride()) out[i] = 0.0f;
}

// One thread per (row, skip distance, start position): every n-gram size
// from there, matched against the pool (the last match in pool order wins).
template <typename Token>
__global__ void TfIdfCountKernel(TfIdfPool p, int64_t rows, int64_t row_size, int64_t columns,
                                 const Token* __restrict__ in, float* __restrict__ out) {
  const int64_t skips = p.max_skip + 1;
  const int64_t total = rows * skips * row_size;
  for (int64_t idx = GridStart(); idx < total; idx += GridStride()) {
    const int64_t start = idx % row_size;
    const int64_t skip = (idx / row_size) % skips + 1;
    const int64_t row = idx / (row_size * skips);
    const Token* tokens = in + row * row_size;
    for (int64_t size = p.min_gram; size <= p.max_gram; ++size) {
      if (size == 1 && skip > 1) continue;  // 1-grams are counted once
      if (start + skip * (size - 1) >= row_size) break;
      int column = -1;
      for (int g = 0; g < p.num_ngrams; ++g) {
        if (p.ngram_size[g] != size) continue;
        bool equal = true;
        for (int64_t k = 0; k < size && equal; ++k) {
          equal = static_cast<int64_t>(tokens[start + k * skip]) == p.tokens[p.ngram_offset[g] + k];
        }
        if (equal) column = p.ngram_column[g];
      }
      if (column >= 0 && column < columns) atomicAdd(out + row * columns + column, 1.0f);
    }
  }
}

__global__ void TfIdfWeightKernel(TfIdfPool p, int64_t n, int64_t columns, float* __restrict__ out) {
  for (int64_t i = GridStart(); i < n; i += GridStride()) {
    const int64_t c = i % columns;
    const float weight = p.has_weights ? p.weights[c] : 1.0f;
    if (p.mode == kTfIdfIdf) {
      out[i] = out[i] > 0.0f ? weight : 0.0f;
    } else if (p.mode == kTfIdfTfIdf) {
      out[i] *= weight;
    }
  }
}

}  // namespace

cudaError_t Dft(bool fp16, const DftShape& shape, const void* in, void* out,
                cudaStream_t stream) {
  const int64_t total = shape.outer * shape.out_len * shape.inner;
  if (total == 0) return cudaSuccess;
  if (fp16) {
    DftKernel<__half><<<Blocks(total), kThreads, 0, stream>>>(
        shape, static_cast<const __half*>(in), static_cast<__half*>(out));
  } else {
    DftKernel<float><<<Blocks(total), kThreads, 0, stream>>>(
        shape, static_cast<const float*>(in), static_cast<float*>(out));
  }
  return cudaGetLastError();
}

cudaError_t Stft(bool fp16, const StftShape& shape, const void* signal, const void* window,
                 void* out, cudaStream_t stream) {
  const int64_t total = shape.batch * shape.frames * shape.bins;
  if (total == 0) return cudaSuccess;
  if (fp16) {
    StftKernel<__half><<<Blocks(total), kThreads, 0, stream>>>(
        shape, static_cast<const __half*>(signal), static_cast<const __half*>(window),
        static_cast<__half*>(out));
  } else {
    StftKernel<float><<<Blocks(total), kThreads, 0, stream>>>(
        shape, static_cast<const float*>(signal), static_cast<const float*>(window),
        static_cast<float*>(out));
  }
  return cudaGetLastError();
}

cudaError_t TfIdfVectorize(const TfIdfPool& pool, int64_t rows, int64_t row_size,
                           int64_t columns, const void* in, bool tokens_64, float* out,
                           cudaStream_t stream) {
  const int64_t n = rows * columns;
  if (n == 0) return cudaSuccess;
  ZeroKernel<<<Blocks(n), kThreads, 0, stream>>>(n, out);
  const int64_t starts = rows * (pool.max_skip + 1) * row_size;
  if (starts > 0) {
    if (tokens_64) {
      TfIdfCountKernel<int64_t><<<Blocks(starts), kThreads, 0, stream>>>(
          pool, rows, row_size, columns, static_cast<const int64_t*>(in), out);
    } else {
      TfIdfCountKernel<int32_t><<<Blocks(starts), kThreads, 0, stream>>>(
          pool, rows, row_size, columns, static_cast<const int32_t*>(in), out);
    }
  }
  if (pool.mode != kTfIdfTf) {
    TfIdfWeightKernel<<<Blocks(n), kThreads, 0, stream>>>(pool, n, columns, out);
  }
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
