// Depthwise 2-D convolution in NHWC (one R x S filter per channel: group ==
// C == K), with the convolution layer's epilogue, in one pass: each thread
// computes V neighbouring channels of one output pixel at a time (one 16-byte
// load per tap), sums the taps in fp32 in (ky, kx) order, then adds the bias
// and the residual and applies the activation (activation_device.h: the
// Activation op's formulas), rounding once at the store. cuDNN's depthwise
// kernels in NHWC fp16 ran 3-5x off memory bandwidth on MobileNetV2 (H100,
// 2026-12-07).
// A block owns a tile of channels (blockIdx.y; threadIdx.x is the channel
// vector within it) and walks output pixels (threadIdx.y, then the grid
// stride), so neighbouring threads read neighbouring 16-byte vectors. It
// first copies its tile's filters, transposed from [C][R][S] (both KCRS and
// KRSC for a depthwise filter) to [R*S][tile] fp32, into shared memory, so a
// thread reads its V weights of a tap as V/4 16-byte loads next to its
// neighbours' (read from [C][R][S] in global memory, a warp's weight loads
// hit 18 sectors each and the kernel ran slower than cuDNN's). The grid is
// capped so that each block covers many pixels and the copy is paid rarely.
// Filters too large for a tile of one vector in 48 KiB are read from global
// memory. Kernels of 3x3 and 5x5 are compiled with their size fixed
// (unrolled), others loop.
// fp16 elements are widened with the hardware conversion (ToFloatArith):
// Nsight Compute found the first version compute-bound (SM 77-81%, DRAM
// 10-32%) and its SASS spent about 100 instructions per tap of 8 channels,
// most of them ToFloat's NaN-payload check, which the FMA after it makes moot;
// with the hardware conversion a tap takes about 25. The activation's switch
// runs once per output vector.
#include "backends/cuda/kernels/activation_device.h"
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int64_t kMaxSharedFilterBytes = 48 * 1024;
constexpr int kThreads = 256;
constexpr int kMaxTileVectors = 32;      // a warp's width of channel vectors
constexpr int64_t kTargetBlocks = 4096;  // ~4 waves of 8 blocks on 132 SMs

// Copies the filters of channels [tile_c0, tile_c0 + tile_channels) from
// [C][taps] to `filters` as [taps][tile] fp32, then waits for the block.
template <typename T>
__device__ __forceinline__ void StageFilters(const T* __restrict__ w, int32_t taps, int32_t tile,
                                             int32_t tile_c0, int32_t tile_channels,
                                             float* filters) {
  const int32_t count = tile_channels * taps;
  const int32_t thread = threadIdx.y * blockDim.x + threadIdx.x;
  // Consecutive threads read consecutive filter taps (coalesced).
  for (int32_t j = thread; j < count; j += blockDim.x * blockDim.y) {
    filters[(j % taps) * tile + j / taps] = ToFloatArith(w[tile_c0 * taps + j]);
  }
  __syncthreads();
}

// kKh, kKw > 0: the filter size, fixed; 0: s.kernel_h, s.kernel_w.
// kShared: the tile's filters are staged in shared memory as [R*S][tile] fp32.
// blockDim.x: channel vectors per tile; blockDim.y: pixels at once.
template <typename T, int V, int kKh, int kKw, bool kShared>
__global__ void DepthwiseNhwcKernel(DepthwiseShape s, int32_t pixels, const T* __restrict__ x,
                                    const T* __restrict__ w, const T* __restrict__ bias,
                                    const T* __restrict__ residual, T* __restrict__ y) {
  static_assert(V % 4 == 0, "shared filters are read 4 floats at a time");
  extern __shared__ float4 shared_filters[];  // float4: 16-byte aligned
  float* filters = reinterpret_cast<float*>(shared_filters);
  const int32_t kh = kKh > 0 ? kKh : static_cast<int32_t>(s.kernel_h);
  const int32_t kw = kKw > 0 ? kKw : static_cast<int32_t>(s.kernel_w);
  const int32_t taps = kh * kw;
  const int32_t channels = static_cast<int32_t>(s.channels);
  const int32_t tile = static_cast<int32_t>(blockDim.x) * V;  // channels in a tile
  const int32_t tile_c0 = static_cast<int32_t>(blockIdx.y) * tile;
  const int32_t tile_channels = min(tile, channels - tile_c0);
  if (kShared) StageFilters(w, taps, tile, tile_c0, tile_channels, filters);
  const int32_t local_c = static_cast<int32_t>(threadIdx.x) * V;
  if (local_c >= tile_channels) return;  // after the barrier: the last tile may be narrow
  const int32_t c0 = tile_c0 + local_c;
  const int32_t height = static_cast<int32_t>(s.height), width = static_cast<int32_t>(s.width);
  const int32_t out_h = static_cast<int32_t>(s.out_h), out_w = static_cast<int32_t>(s.out_w);
  const int32_t stride_h = static_cast<int32_t>(s.stride_h);
  const int32_t stride_w = static_cast<int32_t>(s.stride_w);
  const int32_t dilation_h = static_cast<int32_t>(s.dilation_h);
  const int32_t dilation_w = static_cast<int32_t>(s.dilation_w);
  const T* filter = w + c0 * taps;  // V filters of kh * kw taps, one after another
  for (int32_t pixel = blockIdx.x * blockDim.y + threadIdx.y; pixel < pixels;
       pixel += static_cast<int32_t>(gridDim.x * blockDim.y)) {
    const int32_t out_x = pixel % out_w;
    int32_t rest = pixel / out_w;
    const int32_t out_y = rest % out_h;
    const int32_t batch = rest / out_h;
    const int32_t y0 = out_y * stride_h - static_cast<int32_t>(s.pad_top);
    const int32_t x0 = out_x * stride_w - static_cast<int32_t>(s.pad_left);
    const T* image = x + batch * height * width * channels + c0;
    float acc[V];
#pragma unroll
    for (int k = 0; k < V; ++k) acc[k] = 0.0f;
#pragma unroll
    for (int32_t ky = 0; ky < kh; ++ky) {
      const int32_t in_y = y0 + ky * dilation_h;
      if (in_y < 0 || in_y >= height) continue;
#pragma unroll
      for (int32_t kx = 0; kx < kw; ++kx) {
        const int32_t in_x = x0 + kx * dilation_w;
        if (in_x < 0 || in_x >= width) continue;
        const Pack<T, V> p =
            *reinterpret_cast<const Pack<T, V>*>(image + (in_y * width + in_x) * channels);
        const int32_t tap = ky * kw + kx;
        if (kShared) {
          // 16-byte shared loads (local_c and tile are multiples of 4): with
          // scalar ones a warp's 8 weights per thread hit each bank 4 times.
          const float4* f = reinterpret_cast<const float4*>(filters + tap * tile + local_c);
#pragma unroll
          for (int q = 0; q < V / 4; ++q) {
            const float4 w4 = f[q];
            acc[4 * q] = fmaf(ToFloatArith(p.v[4 * q]), w4.x, acc[4 * q]);
            acc[4 * q + 1] = fmaf(ToFloatArith(p.v[4 * q + 1]), w4.y, acc[4 * q + 1]);
            acc[4 * q + 2] = fmaf(ToFloatArith(p.v[4 * q + 2]), w4.z, acc[4 * q + 2]);
            acc[4 * q + 3] = fmaf(ToFloatArith(p.v[4 * q + 3]), w4.w, acc[4 * q + 3]);
          }
        } else {
#pragma unroll
          for (int k = 0; k < V; ++k) {
            acc[k] = fmaf(ToFloatArith(p.v[k]), ToFloatArith(filter[k * taps + tap]), acc[k]);
          }
        }
      }
    }
    if (bias != nullptr) {
#pragma unroll
      for (int k = 0; k < V; ++k) acc[k] += ToFloatArith(bias[c0 + k]);
    }
    const int32_t at = pixel * channels + c0;  // this output vector's first element
    if (residual != nullptr) {
      const Pack<T, V> r = *reinterpret_cast<const Pack<T, V>*>(residual + at);
#pragma unroll
      for (int k = 0; k < V; ++k) acc[k] += ToFloatArith(r.v[k]);
    }
    ApplyActivationToAll(s.activation, acc, s.alpha, s.beta);
    Pack<T, V> out;
#pragma unroll
    for (int k = 0; k < V; ++k) out.v[k] = FromFloat<T>(acc[k]);
    *reinterpret_cast<Pack<T, V>*>(y + at) = out;
  }
}

template <typename T, int kKh, int kKw>
cudaError_t Launch(const DepthwiseShape& s, const T* x, const T* w, const T* bias,
                   const T* residual, T* y, cudaStream_t stream) {
  constexpr int kVector = 16 / sizeof(T);
  const int64_t pixels = s.batch * s.out_h * s.out_w;
  const int64_t vecs = s.channels / kVector;
  if (pixels == 0 || vecs == 0) return cudaSuccess;
  const int64_t taps = s.kernel_h * s.kernel_w;
  // The widest tile (up to a warp of vectors) whose filters fit in shared memory.
  int64_t tile_vecs = vecs < kMaxTileVectors ? vecs : kMaxTileVectors;
  while (tile_vecs > 1 && tile_vecs * kVector * taps * 4 > kMaxSharedFilterBytes) tile_vecs /= 2;
  const bool shared = tile_vecs * kVector * taps * 4 <= kMaxSharedFilterBytes;
  const dim3 block(static_cast<unsigned>(tile_vecs), static_cast<unsigned>(kThreads / tile_vecs));
  const int64_t tiles = (vecs + tile_vecs - 1) / tile_vecs;
  const int64_t pixel_blocks = (pixels + block.y - 1) / block.y;
  int64_t blocks_x = (kTargetBlocks + tiles - 1) / tiles;
  if (blocks_x > pixel_blocks) blocks_x = pixel_blocks;
  if (tiles > 65535) return cudaErrorInvalidValue;  // gridDim.y's limit
  const dim3 grid(static_cast<unsigned>(blocks_x), static_cast<unsigned>(tiles));
  if (shared) {
    const size_t filter_bytes = static_cast<size_t>(tile_vecs * kVector * taps * 4);
    DepthwiseNhwcKernel<T, kVector, kKh, kKw, true><<<grid, block, filter_bytes, stream>>>(
        s, static_cast<int32_t>(pixels), x, w, bias, residual, y);
  } else {
    DepthwiseNhwcKernel<T, kVector, kKh, kKw, false><<<grid, block, 0, stream>>>(
        s, static_cast<int32_t>(pixels), x, w, bias, residual, y);
  }
  return cudaGetLastError();
}

}  // namespace

bool DepthwiseNhwcFits(const DepthwiseShape& s, int elem_size) {
  // int32 indices, with headroom for the grid stride (pixel += step).
  const int64_t limit = 0x7fffffff - kTargetBlocks * kThreads;
  return s.channels % (16 / elem_size) == 0 && s.channels / (16 / elem_size) <= 65535 &&
         s.batch * s.height * s.width * s.channels < limit &&
         s.batch * s.out_h * s.out_w * s.channels < limit;
}

template <typename T>
cudaError_t DepthwiseConvNhwc(const DepthwiseShape& s, const T* x, const T* w, const T* bias,
                              const T* residual, T* y, cudaStream_t stream) {
  if (!DepthwiseNhwcFits(s, sizeof(T))) return cudaErrorInvalidValue;
  auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  if (!aligned(x) || !aligned(y) || (residual != nullptr && !aligned(residual))) {
    return cudaErrorMisalignedAddress;
  }
  if (s.kernel_h == 3 && s.kernel_w == 3) return Launch<T, 3, 3>(s, x, w, bias, residual, y, stream);
  if (s.kernel_h == 5 && s.kernel_w == 5) return Launch<T, 5, 5>(s, x, w, bias, residual, y, stream);
  return Launch<T, 0, 0>(s, x, w, bias, residual, y, stream);
}

template cudaError_t DepthwiseConvNhwc<float>(const DepthwiseShape&, const float*, const float*,
                                              const float*, const float*, float*, cudaStream_t);
template cudaError_t DepthwiseConvNhwc<__half>(const DepthwiseShape&, const __half*,
                                               const __half*, const __half*, const __half*,
                                               __half*, cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
