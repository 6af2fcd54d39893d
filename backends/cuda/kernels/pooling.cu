// Max / average pooling over NCHW planes, one thread per output element, the
// window walked in cpu_ref's order so average sums round the same way.
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

__global__ void PoolingKernel(PoolShape s, int64_t n, const float* __restrict__ input,
                              float* __restrict__ output) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t out_x = i % s.out_w;
    const int64_t out_y = (i / s.out_w) % s.out_h;
    const int64_t plane = i / (s.out_w * s.out_h);
    const float* in = input + plane * s.height * s.width;
    const int64_t window_y = out_y * s.stride_h - s.pad_top;
    const int64_t window_x = out_x * s.stride_w - s.pad_left;
    const int64_t y_begin = window_y > 0 ? window_y : 0;
    const int64_t y_end = window_y + s.kernel_h < s.height ? window_y + s.kernel_h : s.height;
    const int64_t x_begin = window_x > 0 ? window_x : 0;
    const int64_t x_end = window_x + s.kernel_w < s.width ? window_x + s.kernel_w : s.width;
    float result;
    if (s.is_max) {
      result = -INFINITY;
      for (int64_t in_y = y_begin; in_y < y_end; ++in_y) {
        for (int64_t in_x = x_begin; in_x < x_end; ++in_x) {
          const float v = in[in_y * s.width + in_x];
          if (v > result || isnan(v)) result = v;
        }
      }
    } else {
      float sum = 0.0f;
      for (int64_t in_y = y_begin; in_y < y_end; ++in_y) {
        for (int64_t in_x = x_begin; in_x < x_end; ++in_x) sum += in[in_y * s.width + in_x];
      }
      int64_t count;
      if (s.count_include_pad) {
        const int64_t ye = window_y + s.kernel_h < s.height + s.pad_bottom
                               ? window_y + s.kernel_h : s.height + s.pad_bottom;
        const int64_t xe = window_x + s.kernel_w < s.width + s.pad_right
                               ? window_x + s.kernel_w : s.width + s.pad_right;
        count = (ye - window_y) * (xe - window_x);
      } else {
        count = (y_end - y_begin) * (x_end - x_begin);
      }
      result = sum / static_cast<float>(count);
    }
    output[i] = result;
  }
}

}  // namespace

cudaError_t PoolingFp32(const PoolShape& shape, const float* in, float* out,
                        cudaStream_t stream) {
  const int64_t n = shape.planes * shape.out_h * shape.out_w;
  if (n == 0) return cudaSuccess;
  const int threads = 256;
  const int64_t blocks64 = (n + threads - 1) / threads;
  const int blocks = static_cast<int>(blocks64 < 65535 * 32 ? blocks64 : 65535 * 32);
  PoolingKernel<<<blocks, threads, 0, stream>>>(shape, n, in, out);
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
