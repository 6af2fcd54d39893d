#ifndef KILN_BACKENDS_CUDA_KERNELS_KERNELS_H_
#define KILN_BACKENDS_CUDA_KERNELS_KERNELS_H_

// Launchers of kiln's own CUDA kernels (kernels/*.cu, compiled by nvcc).
// Plain C++ with CUDA types only, so nvcc never sees Abseil; the tactics in
// backends/cuda/<op>.cc turn the cudaError_t into a Status. Every launcher
// enqueues on `stream` and returns the launch's error.

#include <cuda_fp16.h>
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

// ---- Float element-wise family. T is the storage type, float or __half
// (instantiated for both): fp16 elements are computed in fp32 and rounded
// once at the output, as cpu_ref does. ----

// Same order as kiln::ElementWiseOp.
enum BinaryOp : int { kSum = 0, kSub, kProd, kDiv, kMax, kMin, kPow };
template <typename T>
cudaError_t ElementWise(int op, const BroadcastShape& shape, int64_t n, const T* a, const T* b,
                        T* out, cudaStream_t stream);

// `type` is kiln::ActivationType as an int (same formulas as cpu_ref).
template <typename T>
cudaError_t Activation(int type, float alpha, float beta, int64_t n, const T* in, T* out,
                       cudaStream_t stream);

// A convolution's epilogue, in place: y = activation(y + bias[c] + residual)
// over n elements, c = (i / inner) % channels (NCHW: inner = H*W; NHWC:
// inner = 1). bias and residual may be null; `activation` is
// kiln::ActivationType as an int, or -1 for none.
template <typename T>
cudaError_t ConvEpilogue(int64_t n, int64_t channels, int64_t inner, const T* bias,
                         const T* residual, int activation, float alpha, float beta, T* y,
                         cudaStream_t stream);

// Depthwise 2-D convolution (group == channels == filters) of NHWC x with
// filters w ([C][R][S]), then y = activation(sum + bias[c] + residual) in
// fp32, rounded once (depthwise_conv.cu). bias and residual may be null;
// `activation` is kiln::ActivationType as an int, or -1 for none. Channels
// must be a multiple of 16 bytes' worth of T, x, y and residual 16-byte
// aligned, and every index within int32 (DepthwiseNhwcFits).
struct DepthwiseShape {
  int64_t batch, height, width, channels, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
  int activation = -1;
  float alpha = 0.0f, beta = 0.0f;
};
bool DepthwiseNhwcFits(const DepthwiseShape& shape, int elem_size);
template <typename T>
cudaError_t DepthwiseConvNhwc(const DepthwiseShape& shape, const T* x, const T* w, const T* bias,
                              const T* residual, T* y, cudaStream_t stream);

// Scaled dot-product attention (ops/attention.h): Q [B, H, Sq, D], K
// [B, H, Sk, D], V [B, H, Sk, Dv], out [B, H, Sq, Dv], all dense; the mask
// (fp32, or fp16 with mask_is_half; may be null) is read at
// b * mask_strides[0] + h * mask_strides[1] + i * mask_strides[2] +
// j * mask_strides[3] (0 along a broadcast dim). One warp per query row,
// fp32 inside (attention.cu).
inline constexpr int kMaxDvPerPass = 256;  // output columns per pass over the keys
// Each of q, k, v and out is addressed by element strides between batch
// items, heads and sequence positions (a head's D elements contiguous):
// ops/attention.h's AttentionGeometry, so every layout runs.
struct AttentionStrides {
  int64_t batch = 0, head = 0, seq = 0;
};
struct AttentionShape {
  int64_t batch, heads, sq, sk, d, dv;
  AttentionStrides q, k, v, out;
  int64_t mask_strides[4] = {};
  float scale = 1.0f;
  bool causal = false;
};
template <typename T>
cudaError_t Attention(const AttentionShape& shape, const T* q, const T* k, const T* v,
                      const void* mask, bool mask_is_half, T* out, cudaStream_t stream);

// 2-D pooling, cpu_ref's semantics (NaN propagates in max; average divides
// by the clipped window, or by the window clipped to the padded input when
// count_include_pad). Pooling reads NCHW planes (planes = N * C);
// PoolingNhwc reads N,H,W,C memory (planes = batches * channels) with the
// channels innermost, so neighbouring threads read neighbouring elements.
struct PoolShape {
  int64_t planes, height, width, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  bool is_max, count_include_pad;
  int64_t channels = 1;  // PoolingNhwc only
  int64_t dilation_h = 1, dilation_w = 1;  // taps this far apart
};
template <typename T>
cudaError_t Pooling(const PoolShape& shape, const T* in, T* out, cudaStream_t stream);
template <typename T>
cudaError_t PoolingNhwc(const PoolShape& shape, const T* in, T* out, cudaStream_t stream);

// Softmax (or log-softmax) of x viewed as (outer, axis, inner) along axis.
template <typename T>
cudaError_t Softmax(int64_t outer, int64_t axis, int64_t inner, bool log, const T* in, T* out,
                    cudaStream_t stream);


// ---- Data movement (any dtype: elements of 1, 2, 4 or 8 bytes are copied as
// unsigned integers of that size, so every dtype moves bit-exactly). ----

// out[i_0..i_{r-1}] (row-major over out_dims) = in[sum_d i_d * in_strides[d]]
// (element strides, possibly negative or 0). rank 0 copies one element.
struct StridedShape {
  int rank = 0;
  int64_t out_dims[kMaxRank] = {};
  int64_t in_strides[kMaxRank] = {};
};
cudaError_t StridedCopy(int elem_size, const StridedShape& shape, const void* in, void* out,
                        cudaStream_t stream);

// `rows` rows of `row_elems` elements: out[r * out_pitch + j] = in[r * in_pitch + j]
// (pitches in elements). Concatenation copies each input this way.
cudaError_t Copy2D(int elem_size, int64_t rows, int64_t row_elems, int64_t in_pitch,
                   int64_t out_pitch, const void* in, void* out, cudaStream_t stream);

// Gather along an axis of data viewed as (outer, axis_size, inner):
// out[o][i][j] = data[o][index_i (+ axis_size when negative)][j]. Indices are
// int32 or int64 (index_is_64). An index outside [-axis_size, axis_size)
// writes zero bytes (Run validates nothing; cpu_ref reports it instead).
cudaError_t Gather(int elem_size, int64_t outer, int64_t axis_size, int64_t inner,
                   int64_t num_indices, const void* indices, bool index_is_64, const void* data,
                   void* out, cudaStream_t stream);

// Padding (cpu_ref's semantics): mode 0 constant, 1 reflect, 2 edge; `value`
// holds the constant's bytes (low elem_size bytes).
struct PadShape {
  int rank = 0;
  int mode = 0;
  uint64_t value = 0;
  int64_t out_dims[kMaxRank] = {};
  int64_t in_dims[kMaxRank] = {};
  int64_t begin[kMaxRank] = {};  // leading pad per dim (negative: crop)
};
cudaError_t Pad(int elem_size, const PadShape& shape, const void* in, void* out,
                cudaStream_t stream);

// Cast with ops/cast.h's semantics; types are kiln::DataType as ints
// (0 fp32, 1 fp16, 2 int8, 3 int32, 4 int64, 5 bool). from != to.
cudaError_t Cast(int from, int to, int64_t n, const void* in, void* out, cudaStream_t stream);

// ---- Float element-wise family, continued (T: float or __half). ----

// Reduce (ops/reduce.h, `op` is kiln::ReduceOp as an int): each output reads
// the input at base(kept coords) + offset(reduced coords). Accumulates in
// double, one warp per output.
struct ReduceShape {
  int kept_rank = 0;
  int reduced_rank = 0;
  int64_t kept_dims[kMaxRank] = {};
  int64_t kept_strides[kMaxRank] = {};
  int64_t reduced_dims[kMaxRank] = {};
  int64_t reduced_strides[kMaxRank] = {};
  int64_t out_volume = 0;
  int64_t count = 0;  // elements folded into each output
};
template <typename T>
cudaError_t Reduce(int op, const ReduceShape& shape, const T* in, T* out, cudaStream_t stream);

// Scale: x viewed as (outer, count, inner); value m of shift/scale/power
// (each may be nullptr: 0, 1, no power) applies to x[o][m][i].
template <typename T>
cudaError_t Scale(int64_t outer, int64_t count, int64_t inner, const T* x, const T* shift,
                  const T* scale, const T* power, T* y, cudaStream_t stream);

// LRN across channels of (batches, channels, plane), ops/lrn.h's formula.
template <typename T>
cudaError_t Lrn(int64_t batches, int64_t channels, int64_t plane, int64_t size, float alpha,
                float beta, float bias, const T* in, T* out, cudaStream_t stream);

// Unary math (`op` is kiln::UnaryOp as an int).
template <typename T>
cudaError_t Unary(int op, int64_t n, const T* in, T* out, cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_KERNELS_H_
