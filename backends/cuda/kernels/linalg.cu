// Einsum and Det with cpu_ref's arithmetic: double products and sums in the
// reference's order, and explicit _rn intrinsics where nvcc would otherwise
// contract a multiply and an add into an FMA (cpu_ref rounds both).
#include <cuda_fp16.h>

#include <cstdint>

#include "backends/cuda/kernels/sequence.h"
#include "backends/cuda/kernels/sequence_device.h"

namespace kiln {
namespace cuda {
namespace kernels {
namespace {

using seq::Blocks;
using seq::GridStart;
using seq::GridStride;
using seq::kThreads;
using seq::Load;
using seq::Store;

template <typename T>
__global__ void EinsumKernel(EinsumShape s, int64_t n, T* __restrict__ out) {
  bool empty_sum = false;
  for (int k = 0; k < s.num_summed_labels; ++k) empty_sum |= s.sizes[s.summed_labels[k]] == 0;
  for (int64_t o = GridStart(); o < n; o += GridStride()) {
    int64_t offset[kEinsumMaxOperands];
    for (int i = 0; i < s.num_inputs; ++i) offset[i] = 0;
    int64_t rest = o;
    for (int k = s.num_output_labels - 1; k >= 0; --k) {
      const int label = s.output_labels[k];
      const int64_t index = rest % s.sizes[label];
      rest /= s.sizes[label];
      for (int i = 0; i < s.num_inputs; ++i) offset[i] += index * s.strides[i][label];
    }
    double sum = 0.0;
    int64_t index[kEinsumMaxLabels];
    for (int k = 0; k < s.num_summed_labels; ++k) index[k] = 0;
    bool more = !empty_sum;
    while (more) {
      double product = 1.0;
      for (int i = 0; i < s.num_inputs; ++i) {
        product = __dmul_rn(product, static_cast<double>(
                                         Load(static_cast<const T*>(s.inputs[i]), offset[i])));
      }
      sum = __dadd_rn(sum, product);
      // Row-major odometer over the summed labels.
      more = false;
      for (int k = s.num_summed_labels - 1; k >= 0; --k) {
        const int label = s.summed_labels[k];
        for (int i = 0; i < s.num_inputs; ++i) offset[i] += s.strides[i][label];
        if (++index[k] < s.sizes[label]) {
          more = true;
          break;
        }
        for (int i = 0; i < s.num_inputs; ++i) offset[i] -= s.strides[i][label] * s.sizes[label];
        index[k] = 0;
      }
    }
    Store(out, o, static_cast<float>(sum));
  }
}

// Matrix i's element e is scratch[e * count + i], so neighbouring threads
// (matrices) touch neighbouring doubles.
template <typename T>
__global__ void DetKernel(int64_t count, int64_t m, const T* __restrict__ in,
                          double* __restrict__ scratch, T* __restrict__ out) {
  for (int64_t i = GridStart(); i < count; i += GridStride()) {
    auto a = [&](int64_t row, int64_t col) -> double& { return scratch[(row * m + col) * count + i]; };
    for (int64_t e = 0; e < m * m; ++e) scratch[e * count + i] = Load(in, i * m * m + e);
    double det = 1.0;
    for (int64_t col = 0; col < m; ++col) {
      int64_t pivot = col;
      for (int64_t row = col + 1; row < m; ++row) {
        if (fabs(a(row, col)) > fabs(a(pivot, col))) pivot = row;
      }
      if (a(pivot, col) == 0.0) {  // singular
        det = 0.0;
        break;
      }
      if (pivot != col) {
        for (int64_t k = 0; k < m; ++k) {
          const double t = a(col, k);
          a(col, k) = a(pivot, k);
          a(pivot, k) = t;
        }
        det = -det;
      }
      const double diag = a(col, col);
      det = __dmul_rn(det, diag);
      for (int64_t row = col + 1; row < m; ++row) {
        const double factor = __ddiv_rn(a(row, col), diag);
        for (int64_t k = col + 1; k < m; ++k) {
          a(row, k) = __dsub_rn(a(row, k), __dmul_rn(factor, a(col, k)));
        }
      }
    }
    Store(out, i, static_cast<float>(det));
  }
}

}  // namespace

cudaError_t Einsum(bool fp16, const EinsumShape& shape, int64_t out_volume, void* out,
                   cudaStream_t stream) {
  if (out_volume == 0) return cudaSuccess;
  if (fp16) {
    EinsumKernel<__half><<<Blocks(out_volume), kThreads, 0, stream>>>(shape, out_volume,
                                                                       static_cast<__half*>(out));
  } else {
    EinsumKernel<float><<<Blocks(out_volume), kThreads, 0, stream>>>(shape, out_volume,
                                                                      static_cast<float*>(out));
  }
  return cudaGetLastError();
}

cudaError_t Det(bool fp16, int64_t count, int64_t m, const void* in, double* scratch, void* out,
                cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  if (fp16) {
    DetKernel<__half><<<Blocks(count), kThreads, 0, stream>>>(
        count, m, static_cast<const __half*>(in), scratch, static_cast<__half*>(out));
  } else {
    DetKernel<float><<<Blocks(count), kThreads, 0, stream>>>(
        count, m, static_cast<const float*>(in), scratch, static_cast<float*>(out));
  }
  return cudaGetLastError();
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
