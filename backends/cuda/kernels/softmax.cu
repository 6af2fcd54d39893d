// Softmax along the middle dim of (outer, axis, inner). One warp per
// (outer, inner) row: lanes stride over the axis, the max and the sum are
// reduced with shuffles, so long rows (attention scores) use the whole warp.
// fp16 is computed in fp32 and rounded once at the store.
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

constexpr int kWarp = 32;

__device__ __forceinline__ float WarpMax(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  }
  return v;
}

__device__ __forceinline__ float WarpSum(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  }
  return v;
}

template <typename T>
__global__ void SoftmaxKernel(int64_t rows, int64_t axis, int64_t inner, bool log,
                              const T* __restrict__ input, T* __restrict__ output) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps_per_block = blockDim.x / kWarp;
  for (int64_t row = blockIdx.x * warps_per_block + threadIdx.x / kWarp; row < rows;
       row += static_cast<int64_t>(gridDim.x) * warps_per_block) {
    const int64_t o = row / inner, i = row % inner;
    const T* in = input + o * axis * inner + i;
    T* out = output + o * axis * inner + i;
    float max = -INFINITY;
    for (int64_t c = lane; c < axis; c += kWarp) max = fmaxf(max, LoadFloat(in, c * inner));
    max = WarpMax(max);
    float sum = 0.0f;
    for (int64_t c = lane; c < axis; c += kWarp) sum += expf(LoadFloat(in, c * inner) - max);
    sum = WarpSum(sum);
    if (log) {
      const float log_sum = logf(sum);
      for (int64_t c = lane; c < axis; c += kWarp) {
        StoreFloat(out, c * inner, LoadFloat(in, c * inner) - max - log_sum);
      }
    } else {
      for (int64_t c = lane; c < axis; c += kWarp) {
        StoreFloat(out, c * inner, expf(LoadFloat(in, c * inner) - max) / sum);
      }
    }
  }
}

}  // namespace

template <typename T>
cudaError_t Softmax(int64_t outer, int64_t axis, int64_t inner, bool log, const T* in, T* out,
                    cudaStream_t stream) {
  const int64_t rows = outer * inner;
  if (rows == 0 || axis == 0) return cudaSuccess;
  const int64_t warps_per_block = kFloatIoThreads / kWarp;
  SoftmaxKernel<T><<<GridBlocks(rows, warps_per_block), kFloatIoThreads, 0, stream>>>(
      rows, axis, inner, log, in, out);
  return cudaGetLastError();
}

template cudaError_t Softmax<float>(int64_t, int64_t, int64_t, bool, const float*, float*,
                                    cudaStream_t);
template cudaError_t Softmax<__half>(int64_t, int64_t, int64_t, bool, const __half*, __half*,
                                     cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
