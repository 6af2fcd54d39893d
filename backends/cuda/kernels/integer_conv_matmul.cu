// ConvInteger and MatMulInteger: exact int32 arithmetic, one thread per
// output element. Products are summed in uint32 so that overflow wraps as in
// cpu_ref; a wrapping sum is exact modulo 2^32 in any order, so the results
// are bit-identical whatever the summation order.
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

__global__ void ConvIntegerKernel(ConvIntegerShape s, int64_t total,
                                  const int32_t* __restrict__ input,
                                  const int32_t* __restrict__ filter,
                                  int32_t* __restrict__ output) {
  const int64_t out_per_group = s.out_channels / s.group;
  for (int64_t i = GridStart(); i < total; i += GridStep()) {
    const int64_t out_x = i % s.out_w;
    const int64_t out_y = (i / s.out_w) % s.out_h;
    const int64_t out_c = (i / (s.out_w * s.out_h)) % s.out_channels;
    const int64_t b = i / (s.out_w * s.out_h * s.out_channels);
    const int64_t first_in_c = out_c / out_per_group * s.group_channels;
    uint32_t sum = 0;
    for (int64_t c = 0; c < s.group_channels; ++c) {
      const int32_t* in_plane = input + (b * s.in_channels + first_in_c + c) * s.height * s.width;
      const int32_t* filter_plane =
          filter + (out_c * s.group_channels + c) * s.kernel_h * s.kernel_w;
      for (int64_t filter_y = 0; filter_y < s.kernel_h; ++filter_y) {
        const int64_t in_y = out_y * s.stride_h - s.pad_top + filter_y * s.dilation_h;
        if (in_y < 0 || in_y >= s.height) continue;
        for (int64_t filter_x = 0; filter_x < s.kernel_w; ++filter_x) {
          const int64_t in_x = out_x * s.stride_w - s.pad_left + filter_x * s.dilation_w;
          if (in_x < 0 || in_x >= s.width) continue;
          sum += static_cast<uint32_t>(in_plane[in_y * s.width + in_x]) *
                 static_cast<uint32_t>(filter_plane[filter_y * s.kernel_w + filter_x]);
        }
      }
    }
    output[i] = static_cast<int32_t>(sum);
  }
}

__global__ void MatMulIntegerKernel(MatMulIntegerShape s, int64_t total,
                                    const int32_t* __restrict__ a,
                                    const int32_t* __restrict__ b, int32_t* __restrict__ out) {
  for (int64_t i = GridStart(); i < total; i += GridStep()) {
    const int64_t col = i % s.n;
    const int64_t row = (i / s.n) % s.m;
    int64_t batch = i / (s.n * s.m), a_matrix = 0, b_matrix = 0;
    for (int d = s.batch_rank - 1; d >= 0; --d) {
      const int64_t index = batch % s.batch_dims[d];
      batch /= s.batch_dims[d];
      a_matrix += index * s.a_strides[d];
      b_matrix += index * s.b_strides[d];
    }
    const int32_t* a_row = a + a_matrix * s.m * s.k + row * s.k;
    const int32_t* b_col = b + b_matrix * s.k * s.n + col;
    uint32_t sum = 0;
    for (int64_t j = 0; j < s.k; ++j) {
      sum += static_cast<uint32_t>(a_row[j]) * static_cast<uint32_t>(b_col[j * s.n]);
    }
    out[i] = static_cast<int32_t>(sum);
  }
}

}  // namespace

cudaError_t ConvInteger(const ConvIntegerShape& shape, const int32_t* x, const int32_t* w,
                        int32_t* out, cudaStream_t stream) {
  const int64_t total = shape.batch * shape.out_channels * shape.out_h * shape.out_w;
  if (total == 0) return cudaSuccess;
  ConvIntegerKernel<<<Blocks(total), kThreads, 0, stream>>>(shape, total, x, w, out);
  return cudaGetLastError();
}

cudaError_t MatMulInteger(const MatMulIntegerShape& shape, const int32_t* a, const int32_t* b,
                          int32_t* out, cudaStream_t stream) {
  int64_t total = shape.m * shape.n;
  for (int d = 0; d < shape.batch_rank; ++d) total *= shape.batch_dims[d];
  if (total == 0) return cudaSuccess;
  MatMulIntegerKernel<<<Blocks(total), kThreads, 0, stream>>>(shape, total, a, b, out);
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
