// Depthwise 2-D convolution in NHWC (one R x S filter per channel: group ==
// C == K), with the convolution layer's epilogue, in one pass: each thread
// computes V neighbouring channels of one output pixel (one 16-byte load per
// tap), sums the taps in fp32 in (ky, kx) order, then adds the bias and the
// residual and applies the activation (activation_device.h: the Activation
// op's formulas), rounding once at the store. cuDNN's depthwise kernels in
// NHWC fp16 ran 3-5x off memory bandwidth on MobileNetV2 (H100, 2026-12-07).
// Filters are [C][R][S] in memory, which is both KCRS and KRSC for a
// depthwise filter. Each block first copies them, transposed to [R*S][C] fp32,
// into shared memory, so a thread reads its V weights of a tap as V/4 16-byte
// loads next to its neighbours' (read from [C][R][S] in global memory, a
// warp's weight loads hit 18 sectors each, and the kernel ran slower than
// cuDNN's); filters too large for 48 KiB are read from global memory.
// Kernels of 3x3 and 5x5 are compiled with their size fixed (unrolled),
// others loop.
#include "backends/cuda/kernels/activation_device.h"
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

template <typename T, int V>
struct alignas(sizeof(T) * V) Pack {
  T v[V];
};

// ApplyActivation with the type known only at run time (once per output).
__device__ __forceinline__ float Activate(int type, float x, float alpha, float beta) {
  switch (type) {
    case kRelu: return ApplyActivation<kRelu>(x, alpha, beta);
    case kSigmoid: return ApplyActivation<kSigmoid>(x, alpha, beta);
    case kTanh: return ApplyActivation<kTanh>(x, alpha, beta);
    case kLeakyRelu: return ApplyActivation<kLeakyRelu>(x, alpha, beta);
    case kElu: return ApplyActivation<kElu>(x, alpha, beta);
    case kSelu: return ApplyActivation<kSelu>(x, alpha, beta);
    case kClip: return ApplyActivation<kClip>(x, alpha, beta);
    case kSoftplus: return ApplyActivation<kSoftplus>(x, alpha, beta);
    case kSoftsign: return ApplyActivation<kSoftsign>(x, alpha, beta);
    case kHardSigmoid: return ApplyActivation<kHardSigmoid>(x, alpha, beta);
    case kScaledTanh: return ApplyActivation<kScaledTanh>(x, alpha, beta);
    case kThresholdedRelu: return ApplyActivation<kThresholdedRelu>(x, alpha, beta);
    case kGelu: return ApplyActivation<kGelu>(x, alpha, beta);
    case kHardSwish: return ApplyActivation<kHardSwish>(x, alpha, beta);
    default: return x;  // -1: no activation
  }
}

constexpr int64_t kMaxSharedFilterBytes = 48 * 1024;

// kKh, kKw > 0: the filter size, fixed; 0: s.kernel_h, s.kernel_w.
// kShared: the filters are staged in shared memory as [R*S][C] fp32.
template <typename T, int V, int kKh, int kKw, bool kShared>
__global__ void DepthwiseNhwcKernel(DepthwiseShape s, int32_t n, const T* __restrict__ x,
                                    const T* __restrict__ w, const T* __restrict__ bias,
                                    const T* __restrict__ residual, T* __restrict__ y) {
  static_assert(V % 4 == 0, "shared filters are read 4 floats at a time");
  extern __shared__ float4 shared_filters[];  // float4: 16-byte aligned
  float* filters = reinterpret_cast<float*>(shared_filters);
  const int32_t kh = kKh > 0 ? kKh : static_cast<int32_t>(s.kernel_h);
  const int32_t kw = kKw > 0 ? kKw : static_cast<int32_t>(s.kernel_w);
  const int32_t channels = static_cast<int32_t>(s.channels);
  if (kShared) {
    const int32_t taps = kh * kw;
    for (int32_t j = threadIdx.x; j < channels * taps; j += blockDim.x) {
      filters[(j % taps) * channels + j / taps] = ToFloat(w[j]);
    }
    __syncthreads();
  }
  const int32_t vecs = channels / V;
  const int32_t height = static_cast<int32_t>(s.height), width = static_cast<int32_t>(s.width);
  const int32_t out_h = static_cast<int32_t>(s.out_h), out_w = static_cast<int32_t>(s.out_w);
  const int32_t stride_h = static_cast<int32_t>(s.stride_h);
  const int32_t stride_w = static_cast<int32_t>(s.stride_w);
  const int32_t dilation_h = static_cast<int32_t>(s.dilation_h);
  const int32_t dilation_w = static_cast<int32_t>(s.dilation_w);
  for (int32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int32_t>(gridDim.x * blockDim.x)) {
    const int32_t cv = i % vecs;
    int32_t rest = i / vecs;
    const int32_t out_x = rest % out_w;
    rest /= out_w;
    const int32_t out_y = rest % out_h;
    const int32_t batch = rest / out_h;
    const int32_t c0 = cv * V;
    const int32_t y0 = out_y * stride_h - static_cast<int32_t>(s.pad_top);
    const int32_t x0 = out_x * stride_w - static_cast<int32_t>(s.pad_left);
    const T* image = x + batch * height * width * channels + c0;
    const T* filter = w + c0 * kh * kw;  // V filters of kh * kw taps, one after another
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
          // 16-byte shared loads (c0 and channels are multiples of 4): with
          // scalar ones a warp's 8 weights per thread hit each bank 4 times.
          const float4* f = reinterpret_cast<const float4*>(filters + tap * channels + c0);
#pragma unroll
          for (int q = 0; q < V / 4; ++q) {
            const float4 w4 = f[q];
            acc[4 * q] = fmaf(ToFloat(p.v[4 * q]), w4.x, acc[4 * q]);
            acc[4 * q + 1] = fmaf(ToFloat(p.v[4 * q + 1]), w4.y, acc[4 * q + 1]);
            acc[4 * q + 2] = fmaf(ToFloat(p.v[4 * q + 2]), w4.z, acc[4 * q + 2]);
            acc[4 * q + 3] = fmaf(ToFloat(p.v[4 * q + 3]), w4.w, acc[4 * q + 3]);
          }
        } else {
#pragma unroll
          for (int k = 0; k < V; ++k) {
            acc[k] = fmaf(ToFloat(p.v[k]), ToFloat(filter[k * kh * kw + tap]), acc[k]);
          }
        }
      }
    }
    if (bias != nullptr) {
#pragma unroll
      for (int k = 0; k < V; ++k) acc[k] += ToFloat(bias[c0 + k]);
    }
    if (residual != nullptr) {
      const Pack<T, V> r = reinterpret_cast<const Pack<T, V>*>(residual)[i];
#pragma unroll
      for (int k = 0; k < V; ++k) acc[k] += ToFloat(r.v[k]);
    }
    Pack<T, V> out;
#pragma unroll
    for (int k = 0; k < V; ++k) {
      out.v[k] = FromFloat<T>(Activate(s.activation, acc[k], s.alpha, s.beta));
    }
    reinterpret_cast<Pack<T, V>*>(y)[i] = out;
  }
}

template <typename T, int kKh, int kKw>
cudaError_t Launch(const DepthwiseShape& s, const T* x, const T* w, const T* bias,
                   const T* residual, T* y, cudaStream_t stream) {
  constexpr int kVector = 16 / sizeof(T);
  const int64_t n = s.batch * s.out_h * s.out_w * (s.channels / kVector);
  if (n == 0) return cudaSuccess;
  const int64_t filter_bytes = s.channels * s.kernel_h * s.kernel_w * sizeof(float);
  if (filter_bytes <= kMaxSharedFilterBytes) {
    DepthwiseNhwcKernel<T, kVector, kKh, kKw, true>
        <<<GridBlocks(n), kFloatIoThreads, filter_bytes, stream>>>(
            s, static_cast<int32_t>(n), x, w, bias, residual, y);
  } else {
    DepthwiseNhwcKernel<T, kVector, kKh, kKw, false>
        <<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(s, static_cast<int32_t>(n), x, w, bias,
                                                        residual, y);
  }
  return cudaGetLastError();
}

}  // namespace

bool DepthwiseNhwcFits(const DepthwiseShape& s, int elem_size) {
  const int64_t limit = 0x7fffffff - 65535LL * 32 * kFloatIoThreads;  // headroom for i += step
  return s.channels % (16 / elem_size) == 0 && s.batch * s.height * s.width * s.channels < limit &&
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
