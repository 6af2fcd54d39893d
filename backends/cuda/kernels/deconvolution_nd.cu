// DeconvolutionNd in gather form: one thread per output element, so no
// atomics are needed (cpu_ref scatters each input element instead; the sums
// are the same terms in another order, accumulated in fp32 from the bias).
#include "backends/cuda/kernels/spatial.h"
#include "backends/cuda/kernels/spatial_device.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

using spatial::Blocks;
using spatial::GridStart;
using spatial::GridStep;
using spatial::kThreads;
using spatial::Load;
using spatial::Store;

template <typename T>
__global__ void DeconvNdKernel(DeconvNdShape s, int64_t n, const T* __restrict__ input,
                               const T* __restrict__ filter, const T* __restrict__ bias,
                               T* __restrict__ output) {
  const WindowShape& w = s.window;
  const int k = w.rank;
  int64_t in_volume = 1, out_volume = 1, kernel_volume = 1;
  for (int d = 0; d < k; ++d) {
    in_volume *= w.in[d];
    out_volume *= w.out[d];
    kernel_volume *= w.kernel[d];
  }
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    int64_t out_pos[kMaxSpatial];
    int64_t rest = i % out_volume;
    for (int d = k - 1; d >= 0; --d) {
      out_pos[d] = rest % w.out[d];
      rest /= w.out[d];
    }
    const int64_t out_c = (i / out_volume) % s.out_channels;
    const int64_t b = i / (out_volume * s.out_channels);
    const int64_t g = out_c / s.group_out, m = out_c % s.group_out;
    float sum = bias != nullptr ? Load(bias, out_c) : 0.0f;
    for (int64_t c = 0; c < s.group_in; ++c) {
      const int64_t in_c = g * s.group_in + c;
      const T* in = input + (b * s.in_channels + in_c) * in_volume;
      const T* taps = filter + (in_c * s.group_out + m) * kernel_volume;
      for (int64_t t = 0; t < kernel_volume; ++t) {
        // Tap t reads the input element whose scatter would land here.
        int64_t tap_rest = t, offset = 0, stride = 1;
        bool inside = true;
        for (int d = k - 1; d >= 0 && inside; --d) {
          const int64_t tap = tap_rest % w.kernel[d];
          tap_rest /= w.kernel[d];
          const int64_t scaled = out_pos[d] + w.pad_begin[d] - tap * w.dilation[d];
          const int64_t in_pos = scaled / w.stride[d];
          inside = scaled >= 0 && scaled % w.stride[d] == 0 && in_pos < w.in[d];
          offset += in_pos * stride;
          stride *= w.in[d];
        }
        if (inside) sum += Load(in, offset) * Load(taps, t);
      }
    }
    Store(output, i, sum);
  }
}

}  // namespace

cudaError_t DeconvolutionNd(const DeconvNdShape& shape, bool fp16, const void* x,
                            const void* w, const void* bias, void* out, cudaStream_t stream) {
  int64_t n = shape.batch * shape.out_channels;
  for (int d = 0; d < shape.window.rank; ++d) n *= shape.window.out[d];
  if (n == 0) return cudaSuccess;
  if (fp16) {
    DeconvNdKernel<<<Blocks(n), kThreads, 0, stream>>>(
        shape, n, static_cast<const __half*>(x), static_cast<const __half*>(w),
        static_cast<const __half*>(bias), static_cast<__half*>(out));
  } else {
    DeconvNdKernel<<<Blocks(n), kThreads, 0, stream>>>(
        shape, n, static_cast<const float*>(x), static_cast<const float*>(w),
        static_cast<const float*>(bias), static_cast<float*>(out));
  }
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
