// Direct convolution of a few-channel NHWC input (small_channel_conv.h).
// A block first copies the whole filter bank, transposed from KRSC to
// [R][S][C][K] fp32, into shared memory; each thread then computes kPixels
// output pixels for a pass of KB filters: per (r, s, c) it loads one input
// element per pixel and reads the KB weights as float4s that every lane of
// the warp shares (a broadcast), so each weight read feeds 4 * kPixels FMAs.
// The taps are summed in fp32 in (r, s, c) order, skipping padding, then the
// bias, the residual and the activation (activation_device.h) are applied
// and the result rounded once at the 16-byte stores.
#include "backends/cuda/kernels/small_channel_conv.h"

#include "backends/cuda/kernels/activation_device.h"
#include "backends/cuda/kernels/float_io.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kThreads = 128;
constexpr int kPixels = 2;                  // output pixels per thread
constexpr int64_t kMaxFilterBytes = 48 * 1024;
constexpr int64_t kMaxBlocks = 132 * 8;     // a few waves; the filter copy is paid per block

template <typename T, int KB>
__global__ void __launch_bounds__(kThreads)
    SmallChannelConvKernel(SmallChannelConvShape s, int32_t pixels, const T* __restrict__ x,
                           const T* __restrict__ w, const T* __restrict__ bias,
                           const T* __restrict__ residual, T* __restrict__ y) {
  extern __shared__ float4 shared_filters[];  // float4: 16-byte aligned
  float* filters = reinterpret_cast<float*>(shared_filters);
  const int32_t channels = static_cast<int32_t>(s.channels);
  const int32_t filter_count = static_cast<int32_t>(s.filters);
  const int32_t kh = static_cast<int32_t>(s.kernel_h), kw = static_cast<int32_t>(s.kernel_w);
  const int32_t taps = kh * kw * channels;  // weights per filter
  // Consecutive threads read consecutive weights of w (coalesced).
  for (int32_t i = threadIdx.x; i < taps * filter_count; i += blockDim.x) {
    filters[(i % taps) * filter_count + i / taps] = ToFloatArith(w[i]);
  }
  __syncthreads();
  const int32_t height = static_cast<int32_t>(s.height), width = static_cast<int32_t>(s.width);
  const int32_t out_h = static_cast<int32_t>(s.out_h), out_w = static_cast<int32_t>(s.out_w);
  const int32_t stride_h = static_cast<int32_t>(s.stride_h);
  const int32_t stride_w = static_cast<int32_t>(s.stride_w);
  const int32_t dilation_h = static_cast<int32_t>(s.dilation_h);
  const int32_t dilation_w = static_cast<int32_t>(s.dilation_w);
  constexpr int kVector = 16 / sizeof(T);
  const int32_t step = static_cast<int32_t>(gridDim.x * blockDim.x) * kPixels;
  for (int32_t first = static_cast<int32_t>(blockIdx.x * blockDim.x + threadIdx.x) * kPixels;
       first < pixels; first += step) {
    bool valid[kPixels];
    int32_t y0[kPixels], x0[kPixels];
    const T* image[kPixels];
#pragma unroll
    for (int p = 0; p < kPixels; ++p) {
      valid[p] = first + p < pixels;
      const int32_t pixel = valid[p] ? first + p : first;
      const int32_t out_x = pixel % out_w;
      const int32_t rest = pixel / out_w;
      y0[p] = (rest % out_h) * stride_h - static_cast<int32_t>(s.pad_top);
      x0[p] = out_x * stride_w - static_cast<int32_t>(s.pad_left);
      image[p] = x + (rest / out_h) * height * width * channels;
    }
    for (int32_t k0 = 0; k0 < filter_count; k0 += KB) {
      float acc[kPixels][KB];
#pragma unroll
      for (int p = 0; p < kPixels; ++p) {
#pragma unroll
        for (int k = 0; k < KB; ++k) acc[p][k] = 0.0f;
      }
      for (int32_t r = 0; r < kh; ++r) {
        for (int32_t t = 0; t < kw; ++t) {
          bool in[kPixels];
          const T* at[kPixels];
#pragma unroll
          for (int p = 0; p < kPixels; ++p) {
            const int32_t in_y = y0[p] + r * dilation_h, in_x = x0[p] + t * dilation_w;
            in[p] = valid[p] && in_y >= 0 && in_y < height && in_x >= 0 && in_x < width;
            at[p] = image[p] + (in_y * width + in_x) * channels;
          }
          for (int32_t c = 0; c < channels; ++c) {
            float v[kPixels];
#pragma unroll
            for (int p = 0; p < kPixels; ++p) v[p] = in[p] ? ToFloatArith(at[p][c]) : 0.0f;
            const float4* f = reinterpret_cast<const float4*>(
                filters + ((r * kw + t) * channels + c) * filter_count + k0);
#pragma unroll
            for (int q = 0; q < KB / 4; ++q) {
              const float4 w4 = f[q];
#pragma unroll
              for (int p = 0; p < kPixels; ++p) {
                if (!in[p]) continue;  // padding adds nothing (as cpu_ref skips it)
                acc[p][4 * q] = fmaf(v[p], w4.x, acc[p][4 * q]);
                acc[p][4 * q + 1] = fmaf(v[p], w4.y, acc[p][4 * q + 1]);
                acc[p][4 * q + 2] = fmaf(v[p], w4.z, acc[p][4 * q + 2]);
                acc[p][4 * q + 3] = fmaf(v[p], w4.w, acc[p][4 * q + 3]);
              }
            }
          }
        }
      }
#pragma unroll
      for (int p = 0; p < kPixels; ++p) {
        if (!valid[p]) continue;
        const int32_t at = (first + p) * filter_count + k0;  // this pass's first output
        if (bias != nullptr) {
#pragma unroll
          for (int k = 0; k < KB; ++k) acc[p][k] += ToFloatArith(bias[k0 + k]);
        }
        if (residual != nullptr) {
#pragma unroll
          for (int q = 0; q < KB / kVector; ++q) {
            const Pack<T, kVector> r =
                *reinterpret_cast<const Pack<T, kVector>*>(residual + at + q * kVector);
#pragma unroll
            for (int k = 0; k < kVector; ++k) acc[p][q * kVector + k] += ToFloatArith(r.v[k]);
          }
        }
        ApplyActivationToAll(s.activation, acc[p], s.alpha, s.beta);
#pragma unroll
        for (int q = 0; q < KB / kVector; ++q) {
          Pack<T, kVector> out;
#pragma unroll
          for (int k = 0; k < kVector; ++k) out.v[k] = FromFloat<T>(acc[p][q * kVector + k]);
          *reinterpret_cast<Pack<T, kVector>*>(y + at + q * kVector) = out;
        }
      }
    }
  }
}

template <typename T, int KB>
cudaError_t Launch(const SmallChannelConvShape& s, const T* x, const T* w, const T* bias,
                   const T* residual, T* y, cudaStream_t stream) {
  const int64_t pixels = s.batch * s.out_h * s.out_w;
  if (pixels == 0) return cudaSuccess;
  const int64_t per_block = static_cast<int64_t>(kThreads) * kPixels;
  int64_t blocks = (pixels + per_block - 1) / per_block;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  const size_t filter_bytes =
      static_cast<size_t>(s.kernel_h * s.kernel_w * s.channels * s.filters * 4);
  SmallChannelConvKernel<T, KB><<<static_cast<unsigned>(blocks), kThreads, filter_bytes, stream>>>(
      s, static_cast<int32_t>(pixels), x, w, bias, residual, y);
  return cudaGetLastError();
}

}  // namespace

bool SmallChannelConvFits(const SmallChannelConvShape& s, int elem_size, const char** why) {
  auto refuse = [&](const char* reason) {
    if (why != nullptr) *why = reason;
    return false;
  };
  if (s.channels < 1 || s.channels > kSmallConvMaxChannels) {
    return refuse("more than 4 input channels (cuDNN's implicit GEMM suits those)");
  }
  if (s.filters < 8 || s.filters % 8 != 0) return refuse("output channels not a multiple of 8");
  if (s.kernel_h * s.kernel_w * s.channels * s.filters * 4 > kMaxFilterBytes) {
    return refuse("the filters take more than 48 KiB in fp32");
  }
  // int32 indices, with headroom for the grid stride.
  const int64_t limit = 0x7fffffff - kMaxBlocks * kThreads * kPixels;
  if (s.batch * s.height * s.width * s.channels >= limit ||
      s.batch * s.out_h * s.out_w * s.filters >= limit) {
    return refuse("a tensor has 2^31 elements or more");
  }
  (void)elem_size;  // every size: filters % 8 keeps 16-byte vectors of fp32 and fp16 aligned
  return true;
}

template <typename T>
cudaError_t SmallChannelConvNhwc(const SmallChannelConvShape& s, const T* x, const T* w,
                                 const T* bias, const T* residual, T* y, cudaStream_t stream) {
  if (!SmallChannelConvFits(s, sizeof(T), nullptr)) return cudaErrorInvalidValue;
  auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  if (!aligned(y) || (residual != nullptr && !aligned(residual))) {
    return cudaErrorMisalignedAddress;
  }
  if (s.filters % 32 == 0) return Launch<T, 32>(s, x, w, bias, residual, y, stream);
  if (s.filters % 16 == 0) return Launch<T, 16>(s, x, w, bias, residual, y, stream);
  return Launch<T, 8>(s, x, w, bias, residual, y, stream);
}

template cudaError_t SmallChannelConvNhwc<float>(const SmallChannelConvShape&, const float*,
                                                 const float*, const float*, const float*, float*,
                                                 cudaStream_t);
template cudaError_t SmallChannelConvNhwc<__half>(const SmallChannelConvShape&, const __half*,
                                                  const __half*, const __half*, const __half*,
                                                  __half*, cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
