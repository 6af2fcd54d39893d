#ifndef KILN_BACKENDS_CUDA_KERNELS_SMALL_CHANNEL_CONV_H_
#define KILN_BACKENDS_CUDA_KERNELS_SMALL_CHANNEL_CONV_H_

// A direct 2-D convolution for inputs with few channels (a CNN's first layer:
// RGB images), NHWC, with the convolution layer's epilogue (small_channel_conv.cu).
// cuDNN's implicit-GEMM kernels pad such a layer's 3 channels to a tensor-core
// tile: MobileNetV2's 3->32 stride-2 stem took 0.47 ms at batch 128 in fp16
// on an H100, 9% of the network, for 1.4 GFMA and 141 MB of traffic.

#include <cuda_runtime.h>

#include <cstdint>

namespace kiln {
namespace cuda {
namespace kernels {

// y[n][oy][ox][k] = activation(sum over (r, s, c) of
//   x[n][oy*stride_h - pad_top + r*dilation_h][ox*stride_w - pad_left + s*dilation_w][c]
//   * w[k][r][s][c] + bias[k] + residual[n][oy][ox][k]), summed in fp32 in
// (r, s, c) order, padding skipped, rounded once at the store. bias and
// residual may be null; `activation` is kiln::ActivationType as an int, or -1.
// w is KRSC (the NHWC format of a filter).
struct SmallChannelConvShape {
  int64_t batch, height, width, channels, out_h, out_w, filters;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
  int activation = -1;
  float alpha = 0.0f, beta = 0.0f;
};

inline constexpr int64_t kSmallConvMaxChannels = 4;

// Whether the kernel takes `shape` with elements of `elem_size` bytes: at most
// kSmallConvMaxChannels input channels, filters a multiple of 8, the filters
// in fp32 within 48 KiB of shared memory, every index within int32. If not,
// `why` (when not null) says which.
bool SmallChannelConvFits(const SmallChannelConvShape& shape, int elem_size, const char** why);

// y and residual must be 16-byte aligned.
template <typename T>
cudaError_t SmallChannelConvNhwc(const SmallChannelConvShape& shape, const T* x, const T* w,
                                 const T* bias, const T* residual, T* y, cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_SMALL_CHANNEL_CONV_H_
