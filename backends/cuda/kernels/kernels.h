#ifndef KILN_BACKENDS_CUDA_KERNELS_KERNELS_H_
#define KILN_BACKENDS_CUDA_KERNELS_KERNELS_H_

// Launchers of kiln's own CUDA kernels (kernels/*.cu, compiled by nvcc).
// Plain C++ with CUDA types only, so nvcc never sees Abseil; the tactics in
// backends/cuda/<op>.cc turn the cudaError_t into a Status. Every launcher
// enqueues on `stream` and returns the launch's error.

#include <cuda_runtime.h>

#include <cstdint>

namespace kiln {
namespace cuda {
namespace kernels {

inline constexpr int kMaxRank = 8;

// Output dims and each operand's strides in elements (0 along a broadcast
// dim), right-aligned to `rank`.
struct BroadcastShape {
  int rank = 0;
  int64_t out_dims[kMaxRank] = {};
  int64_t a_strides[kMaxRank] = {};
  int64_t b_strides[kMaxRank] = {};
};

// Same order as kiln::ElementWiseOp.
enum BinaryOp : int { kSum = 0, kSub, kProd, kDiv, kMax, kMin, kPow };
cudaError_t ElementWiseFp32(int op, const BroadcastShape& shape, int64_t n, const float* a,
                            const float* b, float* out, cudaStream_t stream);

// `type` is kiln::ActivationType as an int (same formulas as cpu_ref).
cudaError_t ActivationFp32(int type, float alpha, float beta, int64_t n, const float* in,
                           float* out, cudaStream_t stream);

// 2-D pooling over NCHW planes, cpu_ref's semantics (NaN propagates in max;
// average divides by the clipped window, or by the window clipped to the
// padded input when count_include_pad).
struct PoolShape {
  int64_t planes, height, width, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  bool is_max, count_include_pad;
};
cudaError_t PoolingFp32(const PoolShape& shape, const float* in, float* out,
                        cudaStream_t stream);

// Softmax (or log-softmax) of x viewed as (outer, axis, inner) along axis.
cudaError_t SoftmaxFp32(int64_t outer, int64_t axis, int64_t inner, bool log, const float* in,
                        float* out, cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_KERNELS_H_
