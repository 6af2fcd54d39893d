// Max / average pooling, one thread per output element, the window walked in
// cpu_ref's order so average sums round the same way. fp16 is computed in
// fp32 and rounded once at the store (max stays bit-exact). NCHW reads one
// plane per (n, c); NHWC puts the channel innermost in the output index, so
// neighbouring threads read neighbouring channels of the same pixel.
#include "backends/cuda/kernels/float_io.h"
#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

// Pools the window of output (out_y, out_x) from an input whose element
// (y, x) is in[(y * width + x) * pixel_stride].
// A dilated window, tap by tap in cpu_ref's order: `inside` counts the taps
// on the input, `padded` those on the input or its padding.
template <typename T>
__device__ float PoolDilatedWindow(const PoolShape& s, const T* __restrict__ in,
                                   int64_t pixel_stride, int64_t window_y, int64_t window_x) {
  if (s.is_max) {
    float result = -INFINITY;
    for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
      const int64_t in_y = window_y + ky * s.dilation_h;
      if (in_y < 0 || in_y >= s.height) continue;
      for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
        const int64_t in_x = window_x + kx * s.dilation_w;
        if (in_x < 0 || in_x >= s.width) continue;
        const float v = LoadFloat(in, (in_y * s.width + in_x) * pixel_stride);
        if (v > result || isnan(v)) result = v;
      }
    }
    return result;
  }
  float sum = 0.0f;
  int64_t inside = 0, padded = 0;
  for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
    const int64_t in_y = window_y + ky * s.dilation_h;
    if (in_y >= s.height + s.pad_bottom) break;
    for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
      const int64_t in_x = window_x + kx * s.dilation_w;
      if (in_x >= s.width + s.pad_right) break;
      ++padded;
      if (in_y < 0 || in_y >= s.height || in_x < 0 || in_x >= s.width) continue;
      sum += LoadFloat(in, (in_y * s.width + in_x) * pixel_stride);
      ++inside;
    }
  }
  const int64_t count = s.count_include_pad ? padded : inside;
  return count > 0 ? sum / static_cast<float>(count) : 0.0f;
}

template <typename T>
__device__ __forceinline__ float PoolWindow(const PoolShape& s, const T* __restrict__ in,
                                            int64_t pixel_stride, int64_t out_y, int64_t out_x) {
  const int64_t window_y = out_y * s.stride_h - s.pad_top;
  const int64_t window_x = out_x * s.stride_w - s.pad_left;
  if (s.dilation_h != 1 || s.dilation_w != 1) {
    return PoolDilatedWindow(s, in, pixel_stride, window_y, window_x);
  }
  const int64_t y_begin = window_y > 0 ? window_y : 0;
  const int64_t y_end = window_y + s.kernel_h < s.height ? window_y + s.kernel_h : s.height;
  const int64_t x_begin = window_x > 0 ? window_x : 0;
  const int64_t x_end = window_x + s.kernel_w < s.width ? window_x + s.kernel_w : s.width;
  if (s.is_max) {
    float result = -INFINITY;
    for (int64_t in_y = y_begin; in_y < y_end; ++in_y) {
      for (int64_t in_x = x_begin; in_x < x_end; ++in_x) {
        const float v = LoadFloat(in, (in_y * s.width + in_x) * pixel_stride);
        if (v > result || isnan(v)) result = v;
      }
    }
    return result;
  }
  float sum = 0.0f;
  for (int64_t in_y = y_begin; in_y < y_end; ++in_y) {
    for (int64_t in_x = x_begin; in_x < x_end; ++in_x) {
      sum += LoadFloat(in, (in_y * s.width + in_x) * pixel_stride);
    }
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
  // A window with no tap to count (only possible in ceil mode or with pads
  // past the kernel) averages to 0, as in cpu_ref.
  return count > 0 ? sum / static_cast<float>(count) : 0.0f;
}

// Output index i = ((plane * out_h) + out_y) * out_w + out_x. `Index` is
// int32_t when every index fits (the usual case): 64-bit division costs
// several times more than the window itself.
template <typename T, typename Index>
__global__ void PoolingNchwKernel(PoolShape s, Index n, const T* __restrict__ input,
                                  T* __restrict__ output) {
  const Index out_w = static_cast<Index>(s.out_w), out_h = static_cast<Index>(s.out_h);
  const Index plane_size = static_cast<Index>(s.height * s.width);
  for (Index i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += static_cast<Index>(gridDim.x * blockDim.x)) {
    const Index out_x = i % out_w;
    const Index rest = i / out_w;
    const Index out_y = rest % out_h;
    const Index plane = rest / out_h;
    const T* in = input + static_cast<int64_t>(plane) * plane_size;
    StoreFloat(output, static_cast<int64_t>(i), PoolWindow(s, in, 1, out_y, out_x));
  }
}

// Output index i = ((batch * out_h + out_y) * out_w + out_x) * channels + c.
template <typename T, typename Index>
__global__ void PoolingNhwcKernel(PoolShape s, Index n, const T* __restrict__ input,
                                  T* __restrict__ output) {
  const Index channels = static_cast<Index>(s.channels);
  const Index out_w = static_cast<Index>(s.out_w), out_h = static_cast<Index>(s.out_h);
  const Index image_size = static_cast<Index>(s.height * s.width * s.channels);
  for (Index i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += static_cast<Index>(gridDim.x * blockDim.x)) {
    const Index c = i % channels;
    Index rest = i / channels;
    const Index out_x = rest % out_w;
    rest /= out_w;
    const Index out_y = rest % out_h;
    const Index batch = rest / out_h;
    const T* in = input + static_cast<int64_t>(batch) * image_size + c;
    StoreFloat(output, static_cast<int64_t>(i), PoolWindow(s, in, s.channels, out_y, out_x));
  }
}

// NHWC without dilation, V channels per thread (one 16-byte load per tap):
// the scalar kernel moves 2 bytes per load and its windows are walked in
// 64-bit arithmetic, which kept an fp16 max pool ~8x off memory bandwidth.
// Lane by lane, it computes what PoolWindow does (same tap order, same
// comparisons, one rounding at the store). Output vector i covers channels
// [cv * V, cv * V + V) of pixel i / vecs_per_pixel.
template <typename T, int V>
__global__ void PoolingNhwcVectorKernel(PoolShape s, int32_t n, const T* __restrict__ input,
                                        T* __restrict__ output) {
  const int32_t channels = static_cast<int32_t>(s.channels);
  const int32_t vecs = channels / V;
  const int32_t height = static_cast<int32_t>(s.height), width = static_cast<int32_t>(s.width);
  const int32_t out_w = static_cast<int32_t>(s.out_w), out_h = static_cast<int32_t>(s.out_h);
  const int32_t kernel_h = static_cast<int32_t>(s.kernel_h);
  const int32_t kernel_w = static_cast<int32_t>(s.kernel_w);
  for (int32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int32_t>(gridDim.x * blockDim.x)) {
    const int32_t cv = i % vecs;
    int32_t rest = i / vecs;
    const int32_t out_x = rest % out_w;
    rest /= out_w;
    const int32_t out_y = rest % out_h;
    const int32_t batch = rest / out_h;
    const int32_t window_y = out_y * static_cast<int32_t>(s.stride_h) -
                             static_cast<int32_t>(s.pad_top);
    const int32_t window_x = out_x * static_cast<int32_t>(s.stride_w) -
                             static_cast<int32_t>(s.pad_left);
    const int32_t y_begin = max(window_y, 0), y_end = min(window_y + kernel_h, height);
    const int32_t x_begin = max(window_x, 0), x_end = min(window_x + kernel_w, width);
    const Pack<T, V>* in = reinterpret_cast<const Pack<T, V>*>(
                               input + batch * height * width * channels) + cv;
    // Taps are widened with the hardware conversion (one instruction, where
    // ToFloat's NaN check costs about ten). A max keeps the element it picked
    // (`picked`), which ToFloat converts once at the end, so a NaN's sign
    // and payload reach the store as before; a sum's NaN is the canonical
    // one either way.
    float acc[V];
    T picked[V];
#pragma unroll
    for (int k = 0; k < V; ++k) {
      acc[k] = s.is_max ? -INFINITY : 0.0f;
      picked[k] = FromFloat<T>(-INFINITY);
    }
    for (int32_t y = y_begin; y < y_end; ++y) {
      for (int32_t x = x_begin; x < x_end; ++x) {
        const Pack<T, V> p = in[(y * width + x) * vecs];
#pragma unroll
        for (int k = 0; k < V; ++k) {
          const float v = ToFloatArith(p.v[k]);
          if (s.is_max) {
            if (v > acc[k] || isnan(v)) {
              acc[k] = v;
              picked[k] = p.v[k];
            }
          } else {
            acc[k] += v;
          }
        }
      }
    }
    if (s.is_max) {
#pragma unroll
      for (int k = 0; k < V; ++k) acc[k] = ToFloat(picked[k]);
    } else {
      int32_t count;
      if (s.count_include_pad) {
        const int32_t ye = min(window_y + kernel_h, height + static_cast<int32_t>(s.pad_bottom));
        const int32_t xe = min(window_x + kernel_w, width + static_cast<int32_t>(s.pad_right));
        count = (ye - window_y) * (xe - window_x);
      } else {
        count = (y_end - y_begin) * (x_end - x_begin);
      }
#pragma unroll
      for (int k = 0; k < V; ++k) acc[k] = count > 0 ? acc[k] / static_cast<float>(count) : 0.0f;
    }
    Pack<T, V> result;
#pragma unroll
    for (int k = 0; k < V; ++k) result.v[k] = FromFloat<T>(acc[k]);
    reinterpret_cast<Pack<T, V>*>(output)[i] = result;
  }
}

// Whether every index of a pooling (output and input elements) fits in int32.
bool Fits32(const PoolShape& s, int64_t n) {
  const int64_t limit = 0x7fffffff - 65535LL * 32 * kFloatIoThreads;  // headroom for i += step
  const int64_t input_elements = n / (s.out_h * s.out_w) * s.height * s.width;
  return n < limit && input_elements < limit;
}

}  // namespace

template <typename T>
cudaError_t Pooling(const PoolShape& shape, const T* in, T* out, cudaStream_t stream) {
  const int64_t n = shape.planes * shape.out_h * shape.out_w;
  if (n == 0) return cudaSuccess;
  if (Fits32(shape, n)) {
    PoolingNchwKernel<T, int32_t><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(
        shape, static_cast<int32_t>(n), in, out);
  } else {
    PoolingNchwKernel<T, int64_t><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(shape, n, in, out);
  }
  return cudaGetLastError();
}

template <typename T>
cudaError_t PoolingNhwc(const PoolShape& shape, const T* in, T* out, cudaStream_t stream) {
  const int64_t n = shape.planes * shape.out_h * shape.out_w;
  if (n == 0) return cudaSuccess;
  if (shape.channels <= 0) return cudaErrorInvalidValue;
  constexpr int kVector = 16 / sizeof(T);  // channels per 16-byte access
  const bool aligned = reinterpret_cast<uintptr_t>(in) % 16 == 0 &&
                       reinterpret_cast<uintptr_t>(out) % 16 == 0;
  if (Fits32(shape, n) && aligned && shape.channels % kVector == 0 && shape.dilation_h == 1 &&
      shape.dilation_w == 1) {
    const int64_t vectors = n / kVector;
    PoolingNhwcVectorKernel<T, kVector><<<GridBlocks(vectors), kFloatIoThreads, 0, stream>>>(
        shape, static_cast<int32_t>(vectors), in, out);
    return cudaGetLastError();
  }
  if (Fits32(shape, n)) {
    PoolingNhwcKernel<T, int32_t><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(
        shape, static_cast<int32_t>(n), in, out);
  } else {
    PoolingNhwcKernel<T, int64_t><<<GridBlocks(n), kFloatIoThreads, 0, stream>>>(shape, n, in, out);
  }
  return cudaGetLastError();
}

template cudaError_t Pooling<float>(const PoolShape&, const float*, float*, cudaStream_t);
template cudaError_t Pooling<__half>(const PoolShape&, const __half*, __half*, cudaStream_t);
template cudaError_t PoolingNhwc<float>(const PoolShape&, const float*, float*, cudaStream_t);
template cudaError_t PoolingNhwc<__half>(const PoolShape&, const __half*, __half*,
                                         cudaStream_t);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
