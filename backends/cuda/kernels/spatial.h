#ifndef KILN_BACKENDS_CUDA_KERNELS_SPATIAL_H_
#define KILN_BACKENDS_CUDA_KERNELS_SPATIAL_H_

// Launchers of the spatial-family kernels (kernels/spatial.cu, resize.cu,
// grid_sample.cu, roi_align.cu, deconvolution_nd.cu, integer_conv_matmul.cu):
// N-D pooling, LpPool, MaxUnpool, Resize, GridSample, RoiAlign,
// DeconvolutionNd, ConvInteger, MatMulInteger. Plain C++ with CUDA types
// only; each launcher enqueues on `stream` and returns the launch's error.
// Float kernels take fp32 or fp16 tensors (`fp16`): fp16 is loaded into fp32,
// computed as cpu_ref computes fp32, and rounded once at the output.

#include <cuda_runtime.h>

#include <cstdint>

namespace kiln {
namespace cuda {
namespace kernels {

// Spatial dims a window kernel handles (rank 8 less N and C).
inline constexpr int kMaxSpatial = 6;

// Windows over the spatial dims of (planes, in...) -> (planes, out...):
// tap t of output o along axis d reads in position
// o * stride[d] - pad_begin[d] + t * dilation[d].
struct WindowShape {
  int rank = 0;
  int64_t planes = 0;
  int64_t in[kMaxSpatial] = {};
  int64_t out[kMaxSpatial] = {};
  int64_t kernel[kMaxSpatial] = {};
  int64_t stride[kMaxSpatial] = {};
  int64_t dilation[kMaxSpatial] = {};
  int64_t pad_begin[kMaxSpatial] = {};
  int64_t pad_end[kMaxSpatial] = {};
};

// PoolingNd / MaxPoolWithIndices (ops/pooling_nd.h), cpu_ref's semantics:
// taps in row-major window order (so average sums round the same way), NaN
// propagates in max, the first maximum wins ties; `indices` (nullable, fp32
// only) receives max pooling's flattened source positions, column-major over
// the spatial dims when `column_major`.
cudaError_t PoolingNd(const WindowShape& shape, bool average, bool count_include_pad,
                      bool column_major, bool fp16, const void* in, void* out, int64_t* indices,
                      cudaStream_t stream);

// LpPool (ops/lp_pool.h): (sum over in-input taps of |x|^p)^(1/p) in double.
cudaError_t LpPool(const WindowShape& shape, int64_t p, bool fp16, const void* in, void* out,
                   cudaStream_t stream);

// MaxUnpool (ops/max_unpool.h), any dtype of `elem_size` bytes, bit-exact.
// `inferred` holds the inferred spatial dims E, `out_spatial` the output's;
// `winner` is workspace of one uint64 per output element. Each output takes
// the last input element (in input order, as cpu_ref's sequential scatter)
// whose index names it, else zero; indices outside the inferred tensor are
// skipped.
struct UnpoolShape {
  int rank = 0;
  int64_t planes = 0;        // N * C
  int64_t in_volume = 0;     // elements of X (and of I)
  int64_t inferred[kMaxSpatial] = {};
  int64_t out_spatial[kMaxSpatial] = {};
};
cudaError_t MaxUnpool(int elem_size, const UnpoolShape& shape, const void* in,
                      const int64_t* indices, unsigned long long* winner, void* out,
                      cudaStream_t stream);

// Resize (ops/resize.h), cpu_ref's arithmetic: per output element, each
// resized axis's taps computed in double exactly as cpu_ref computes them
// (the source coordinate with explicitly rounded operations, so nvcc's
// contraction cannot move a nearest tap), then the tensor product of the
// taps summed in double. Enums are cpu_ref's order: mode nearest, linear,
// cubic; transform half_pixel, half_pixel_symmetric, pytorch_half_pixel,
// align_corners, asymmetric, tf_crop_and_resize, tf_half_pixel_for_nn;
// rounding round_prefer_floor, round_prefer_ceil, floor, ceil.
inline constexpr int kResizeMaxRank = 8;
inline constexpr int kResizeMaxResizedAxes = 4;
inline constexpr int kResizeMaxTaps = 64;
struct ResizeShape {
  int rank = 0;
  int mode = 0;
  int transform = 0;
  int rounding = 0;
  double cubic_coeff_a = -0.75;
  bool exclude_outside = false;
  bool antialias = false;
  float extrapolation_value = 0.0f;
  int64_t in_dims[kResizeMaxRank] = {};
  int64_t out_dims[kResizeMaxRank] = {};
  bool resized[kResizeMaxRank] = {};
  int taps[kResizeMaxRank] = {};  // tap count of a resized axis
  double scale[kResizeMaxRank] = {};
  double roi_start[kResizeMaxRank] = {};
  double roi_end[kResizeMaxRank] = {};
};
// At most kResizeMaxResizedAxes axes resized, each with at most
// kResizeMaxTaps taps.
cudaError_t Resize(const ResizeShape& shape, bool fp16, const void* in, void* out,
                   cudaStream_t stream);

// GridSample (ops/grid_sample.h), cpu_ref's arithmetic: pixel positions in
// float with explicitly rounded operations (as cpu_ref and ONNX's reference),
// weights and the tap sum in double. `mode` 0 nearest, 1 linear, 2 cubic;
// `padding` 0 zeros, 1 border, 2 reflection. X and grid share the precision.
struct GridSampleShape {
  int rank = 0;  // spatial dims k
  int mode = 1;
  int padding = 0;
  bool align_corners = false;
  int64_t batch = 0, channels = 0;
  int64_t in[kMaxSpatial] = {};
  int64_t out[kMaxSpatial] = {};
};
cudaError_t GridSample(const GridSampleShape& shape, bool fp16, const void* x, const void* grid,
                       void* out, cudaStream_t stream);

// RoiAlign (ops/roi_align.h), cpu_ref's arithmetic in double with
// explicitly rounded operations. X and rois share the precision; batch
// indices are int32 or int64 (index_is_64). A batch index outside
// [0, batch) writes zeros for its roi (cpu_ref reports an error instead).
struct RoiAlignShape {
  int64_t batch = 0, channels = 0, height = 0, width = 0;
  int64_t num_rois = 0, out_h = 1, out_w = 1;
  int64_t sampling_ratio = 0;
  double spatial_scale = 1.0;
  bool half_pixel = true;
  bool max_mode = false;
};
cudaError_t RoiAlign(const RoiAlignShape& shape, bool fp16, const void* x, const void* rois,
                     const void* batch_indices, bool index_is_64, void* out,
                     cudaStream_t stream);

// DeconvolutionNd (ops/deconvolution_nd.h) in gather form: each output
// element sums x * w over the input channels of its group and the taps whose
// source position lands on an input element, in fp32 from the bias (as
// cpu_ref's scatter accumulates, in another order). Reuses WindowShape:
// in/out/kernel/stride/dilation/pad_begin per spatial axis, `planes` unused.
// x, w, bias (nullable) and out share the precision.
struct DeconvNdShape {
  WindowShape window;
  int64_t batch = 0, in_channels = 0, out_channels = 0;
  int64_t group_in = 0, group_out = 0;  // channels per group
};
cudaError_t DeconvolutionNd(const DeconvNdShape& shape, bool fp16, const void* x,
                            const void* w, const void* bias, void* out, cudaStream_t stream);

// ---- Integer ops: int32 in and out, products summed in uint32 so that
// overflow wraps as in cpu_ref (the sum is exact modulo 2^32 in any order).

// ConvInteger (ops/conv_integer.h): direct 2-D convolution, padding reads 0.
struct ConvIntegerShape {
  int64_t batch = 0, in_channels = 0, height = 0, width = 0;
  int64_t out_channels = 0, group_channels = 0, kernel_h = 0, kernel_w = 0;
  int64_t out_h = 0, out_w = 0, group = 1;
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;
};
cudaError_t ConvInteger(const ConvIntegerShape& shape, const int32_t* x, const int32_t* w,
                        int32_t* out, cudaStream_t stream);

// MatMulInteger (ops/matmul_integer.h): out[b] = a[b] (m x k) * b[b] (k x n)
// over the broadcast batch dims; strides count matrices (0 where broadcast).
inline constexpr int kMatMulMaxBatchRank = 8;
struct MatMulIntegerShape {
  int batch_rank = 0;
  int64_t batch_dims[kMatMulMaxBatchRank] = {};
  int64_t a_strides[kMatMulMaxBatchRank] = {};
  int64_t b_strides[kMatMulMaxBatchRank] = {};
  int64_t m = 0, k = 0, n = 0;
};
cudaError_t MatMulInteger(const MatMulIntegerShape& shape, const int32_t* a, const int32_t* b,
                          int32_t* out, cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_SPATIAL_H_
