// RoiAlign: one thread per output element (roi, channel, bin), the bin's
// samples taken in cpu_ref's order. Sample positions and sums use explicitly
// rounded double operations so they match cpu_ref's (nvcc would otherwise
// contract them into FMAs and move a sample across a pixel boundary).
#include <cmath>

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

// The four corners of a bilinear sample and their weights (all 0 outside).
struct Sample {
  int64_t pos[4];
  double weight[4];
};

__device__ Sample BilinearSample(double y, double x, int64_t height, int64_t width) {
  Sample s;
  for (int k = 0; k < 4; ++k) {
    s.pos[k] = 0;
    s.weight[k] = 0.0;
  }
  if (y < -1.0 || y > height || x < -1.0 || x > width) return s;
  y = y < 0.0 ? 0.0 : y;  // std::max(y, 0.0)
  x = x < 0.0 ? 0.0 : x;
  int64_t y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x);
  int64_t y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = static_cast<double>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = static_cast<double>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const double ly = y - y_low, lx = x - x_low;
  const double hy = 1.0 - ly, hx = 1.0 - lx;
  s.pos[0] = y_low * width + x_low;
  s.pos[1] = y_low * width + x_high;
  s.pos[2] = y_high * width + x_low;
  s.pos[3] = y_high * width + x_high;
  s.weight[0] = hy * hx;
  s.weight[1] = hy * lx;
  s.weight[2] = ly * hx;
  s.weight[3] = ly * lx;
  return s;
}

template <typename T, typename I>
__global__ void RoiAlignKernel(RoiAlignShape s, int64_t n, const T* __restrict__ input,
                               const T* __restrict__ rois, const I* __restrict__ batch_indices,
                               T* __restrict__ out) {
  const double offset = s.half_pixel ? 0.5 : 0.0;
  for (int64_t i = GridStart(); i < n; i += GridStep()) {
    const int64_t out_x = i % s.out_w;
    const int64_t out_y = (i / s.out_w) % s.out_h;
    const int64_t c = (i / (s.out_w * s.out_h)) % s.channels;
    const int64_t r = i / (s.out_w * s.out_h * s.channels);
    const int64_t image = static_cast<int64_t>(batch_indices[r]);
    if (image < 0 || image >= s.batch) {  // cpu_ref reports this; see the tactic
      Store(out, i, 0.0f);
      continue;
    }
    const T* roi = rois + r * 4;
    const double start_w = __dsub_rn(__dmul_rn(Load(roi, 0), s.spatial_scale), offset);
    const double start_h = __dsub_rn(__dmul_rn(Load(roi, 1), s.spatial_scale), offset);
    const double end_w = __dsub_rn(__dmul_rn(Load(roi, 2), s.spatial_scale), offset);
    const double end_h = __dsub_rn(__dmul_rn(Load(roi, 3), s.spatial_scale), offset);
    double roi_w = __dsub_rn(end_w, start_w), roi_h = __dsub_rn(end_h, start_h);
    if (!s.half_pixel) {
      roi_w = roi_w < 1.0 ? 1.0 : roi_w;  // std::max(roi_w, 1.0)
      roi_h = roi_h < 1.0 ? 1.0 : roi_h;
    }
    const double bin_h = __ddiv_rn(roi_h, static_cast<double>(s.out_h));
    const double bin_w = __ddiv_rn(roi_w, static_cast<double>(s.out_w));
    const int64_t grid_h = s.sampling_ratio > 0 ? s.sampling_ratio
                                                : static_cast<int64_t>(ceil(bin_h));
    const int64_t grid_w = s.sampling_ratio > 0 ? s.sampling_ratio
                                                : static_cast<int64_t>(ceil(bin_w));
    const int64_t samples = grid_h * grid_w;
    const double count = static_cast<double>(samples > 1 ? samples : 1);
    const T* plane = input + (image * s.channels + c) * s.height * s.width;
    double sum = 0.0, max_value = 0.0;
    bool have_max = false;
    const double bin_y0 = __dadd_rn(start_h, __dmul_rn(static_cast<double>(out_y), bin_h));
    const double bin_x0 = __dadd_rn(start_w, __dmul_rn(static_cast<double>(out_x), bin_w));
    for (int64_t iy = 0; iy < grid_h; ++iy) {
      const double y = __dadd_rn(
          bin_y0, __ddiv_rn(__dmul_rn(iy + 0.5, bin_h), static_cast<double>(grid_h)));
      for (int64_t ix = 0; ix < grid_w; ++ix) {
        const double x = __dadd_rn(
            bin_x0, __ddiv_rn(__dmul_rn(ix + 0.5, bin_w), static_cast<double>(grid_w)));
        const Sample p = BilinearSample(y, x, s.height, s.width);
        if (s.max_mode) {
          double value = __dmul_rn(p.weight[0], Load(plane, p.pos[0]));
          for (int k = 1; k < 4; ++k) {
            const double term = __dmul_rn(p.weight[k], Load(plane, p.pos[k]));
            value = value < term ? term : value;  // std::max(value, term)
          }
          max_value = !have_max ? value : max_value < value ? value : max_value;
          have_max = true;
        } else {
          for (int k = 0; k < 4; ++k) {
            sum = __dadd_rn(sum, __dmul_rn(p.weight[k], Load(plane, p.pos[k])));
          }
        }
      }
    }
    Store(out, i, static_cast<float>(s.max_mode ? max_value : __ddiv_rn(sum, count)));
  }
}

template <typename T>
cudaError_t Launch(const RoiAlignShape& s, int64_t n, const void* x, const void* rois,
                   const void* batch_indices, bool index_is_64, void* out,
                   cudaStream_t stream) {
  if (index_is_64) {
    RoiAlignKernel<<<Blocks(n), kThreads, 0, stream>>>(
        s, n, static_cast<const T*>(x), static_cast<const T*>(rois),
        static_cast<const int64_t*>(batch_indices), static_cast<T*>(out));
  } else {
    RoiAlignKernel<<<Blocks(n), kThreads, 0, stream>>>(
        s, n, static_cast<const T*>(x), static_cast<const T*>(rois),
        static_cast<const int32_t*>(batch_indices), static_cast<T*>(out));
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t RoiAlign(const RoiAlignShape& shape, bool fp16, const void* x, const void* rois,
                     const void* batch_indices, bool index_is_64, void* out,
                     cudaStream_t stream) {
  const int64_t n = shape.num_rois * shape.channels * shape.out_h * shape.out_w;
  if (n == 0) return cudaSuccess;
  return fp16 ? Launch<__half>(shape, n, x, rois, batch_indices, index_is_64, out, stream)
              : Launch<float>(shape, n, x, rois, batch_indices, index_is_64, out, stream);
}

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln
