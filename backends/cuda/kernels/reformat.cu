// Reformat: one thread per output element; the output is written in order
// (coalesced), the input read through the layout permutation. Indices are
// int32 when the tensor fits (64-bit division made the fp32 NCHW -> fp16
// NHWC input reformat of a batch-128 CNN 3x slower than its memory traffic).
#include <cuda_fp16.h>

#include "backends/cuda/kernels/reformat.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

template <typename In, typename Out>
__device__ __forceinline__ Out Convert(In x) {
  return x;
}
template <>
__device__ __forceinline__ __half Convert<float, __half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ __forceinline__ float Convert<__half, float>(__half x) {
  return __half2float(x);
}

template <typename In, typename Out, typename Index>
__global__ void ReformatKernel(bool in_nhwc, bool out_nhwc, Index n_dim, Index c_dim, Index h_dim,
                               Index w_dim, const In* __restrict__ in, Out* __restrict__ out) {
  const Index total = n_dim * c_dim * h_dim * w_dim;
  const Index hw = h_dim * w_dim;
  for (Index i = blockIdx.x * static_cast<Index>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<Index>(gridDim.x) * blockDim.x) {
    Index n, c, h, w;
    if (out_nhwc) {
      c = i % c_dim;
      Index rest = i / c_dim;
      w = rest % w_dim;
      rest /= w_dim;
      h = rest % h_dim;
      n = rest / h_dim;
    } else {
      w = i % w_dim;
      Index rest = i / w_dim;
      h = rest % h_dim;
      rest /= h_dim;
      c = rest % c_dim;
      n = rest / c_dim;
    }
    const Index src = in_nhwc ? ((n * h_dim + h) * w_dim + w) * c_dim + c
                                : (n * c_dim + c) * hw + h * w_dim + w;
    out[i] = Convert<In, Out>(in[src]);
  }
}

// NCHW -> NHWC of a tensor with few channels (a network's RGB input): one
// thread per pixel moves its c_dim elements, so the index arithmetic is one
// division per pixel instead of six per element (ReformatKernel spent 0.10 ms,
// instruction-bound, on MobileNetV2's fp32 -> fp16 input at batch 128 on an
// H100). Reads stay coalesced along each plane.
constexpr int64_t kPixelKernelMaxChannels = 8;

template <typename In, typename Out, typename Index>
__global__ void NchwToNhwcPixelKernel(Index pixels, Index c_dim, Index hw,
                                      const In* __restrict__ in, Out* __restrict__ out) {
  for (Index i = blockIdx.x * static_cast<Index>(blockDim.x) + threadIdx.x; i < pixels;
       i += static_cast<Index>(gridDim.x) * blockDim.x) {
    const Index n = i / hw;
    const In* src = in + n * c_dim * hw + (i - n * hw);
    Out* dst = out + i * c_dim;
    for (Index c = 0; c < c_dim; ++c) dst[c] = Convert<In, Out>(src[c * hw]);
  }
}

template <typename In, typename Out>
cudaError_t Launch(bool in_nhwc, bool out_nhwc, int64_t n, int64_t c, int64_t h, int64_t w,
                   const void* in, void* out, cudaStream_t stream) {
  const int64_t total = n * c * h * w;
  if (total == 0) return cudaSuccess;
  const int threads = 256;
  const int64_t blocks64 = (total + threads - 1) / threads;
  const int blocks = static_cast<int>(blocks64 < 65535 * 32 ? blocks64 : 65535 * 32);
  const bool fits32 = total < 0x7fffffffLL - 65535LL * 32 * threads;  // headroom for i += step
  if (!in_nhwc && out_nhwc && c <= kPixelKernelMaxChannels && fits32) {
    const int64_t pixels = n * h * w;
    const int64_t pixel_blocks = (pixels + threads - 1) / threads;
    NchwToNhwcPixelKernel<In, Out, int32_t>
        <<<static_cast<int>(pixel_blocks < 65535 * 32 ? pixel_blocks : 65535 * 32), threads, 0,
           stream>>>(static_cast<int32_t>(pixels), static_cast<int32_t>(c),
                     static_cast<int32_t>(h * w), static_cast<const In*>(in),
                     static_cast<Out*>(out));
    return cudaGetLastError();
  }
  if (fits32) {
    ReformatKernel<In, Out, int32_t><<<blocks, threads, 0, stream>>>(
        in_nhwc, out_nhwc, static_cast<int32_t>(n), static_cast<int32_t>(c),
        static_cast<int32_t>(h), static_cast<int32_t>(w), static_cast<const In*>(in),
        static_cast<Out*>(out));
  } else {
    ReformatKernel<In, Out, int64_t><<<blocks, threads, 0, stream>>>(
        in_nhwc, out_nhwc, n, c, h, w, static_cast<const In*>(in), static_cast<Out*>(out));
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t Reformat(int in_type, bool in_nhwc, int out_type, bool out_nhwc, int64_t n_dim,
                     int64_t c_dim, int64_t h_dim, int64_t w_dim, const void* in, void* out,
                     cudaStream_t stream) {
  if (in_type == kReformatF32 && out_type == kReformatF16) {
    return Launch<float, __half>(in_nhwc, out_nhwc, n_dim, c_dim, h_dim, w_dim, in, out, stream);
  }
  if (in_type == kReformatF16 && out_type == kReformatF32) {
    return Launch<__half, float>(in_nhwc, out_nhwc, n_dim, c_dim, h_dim, w_dim, in, out, stream);
  }
  if (in_type != out_type) return cudaErrorInvalidValue;
  switch (in_type) {
    case kReformatF32:
    case kReformatU32:
      return Launch<uint32_t, uint32_t>(in_nhwc, out_nhwc, n_dim, c_dim, h_dim, w_dim, in, out,
                                        stream);
    case kReformatF16:
    case kReformatU16:
      return Launch<uint16_t, uint16_t>(in_nhwc, out_nhwc, n_dim, c_dim, h_dim, w_dim, in, out,
                                        stream);
    case kReformatU8:
      return Launch<uint8_t, uint8_t>(in_nhwc, out_nhwc, n_dim, c_dim, h_dim, w_dim, in, out,
                                      stream);
    case kReformatU64:
      return Launch<uint64_t, uint64_t>(in_nhwc, out_nhwc, n_dim, c_dim, h_dim, w_dim, in, out,
                                        stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
