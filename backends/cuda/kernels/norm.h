#ifndef KILN_BACKENDS_CUDA_KERNELS_NORM_H_
#define KILN_BACKENDS_CUDA_KERNELS_NORM_H_

// Launchers of the row kernels (kernels/norm.cu): LayerNormalization,
// InstanceNormalization, MeanVarianceNormalization, LpNormalization and
// Hardmax. One block per row (grid-stride over rows); the statistics are
// accumulated in double with a block reduction, two passes over the row, as
// cpu_ref does, so the formulas and the epsilon placement are cpu_ref's.
// `dtype` is kiln::DataType as an int: 0 fp32, 1 fp16 (loaded as fp32,
// rounded once at the output).

#include <cuda_runtime.h>

#include <cstdint>

#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {

// LayerNormalization over rows of `row_size` elements. The normalized dims
// are norm_dims; Scale and B read element j of a row at the offset given by
// their strides over norm_dims (0 along broadcast dims). bias may be nullptr.
// mean and inv_std_dev (fp32, one per row) are always written. skip, when not
// nullptr, is added to x element by element (in fp32) before normalizing
// (skip-LayerNorm).
struct LayerNormShape {
  int64_t rows = 0;
  int64_t row_size = 0;
  int norm_rank = 0;
  int64_t norm_dims[kMaxRank] = {};
  int64_t scale_strides[kMaxRank] = {};
  int64_t bias_strides[kMaxRank] = {};
};
cudaError_t LayerNorm(int dtype, const LayerNormShape& shape, float epsilon, const void* x,
                      const void* skip, const void* scale, const void* bias, void* y, float* mean,
                      float* inv_std_dev, cudaStream_t stream);

// EmbeddingLayerNorm (ops/embedding_layer_norm.h): per row r of `rows`,
// e = table[ids[r]] (+ segment_table[segment_ids[r]]) (+ addend row
// r % addend_rows), summed in fp32 in that order, then LayerNorm over the
// `width` elements with dense scale and bias (bias may be nullptr). Ids are
// int64 when ids_64 (else int32); a negative id counts from the end; one
// outside [-rows of its table, rows) reads as a zero row. One warp per row,
// width <= 1024; 16-byte vectors when every pointer is 16-byte aligned and
// the width a multiple of the vector.
struct EmbedLayerNormShape {
  int64_t rows = 0;
  int width = 0;
  int64_t table_rows = 0;
  int64_t segment_rows = 0;  // 0: no segment table
  int64_t addend_rows = 0;   // 0: no addend
  bool ids_64 = false;
  bool segment_ids_64 = false;
};
inline constexpr int kEmbedLayerNormMaxWidth = 1024;
cudaError_t EmbedLayerNorm(int dtype, const EmbedLayerNormShape& shape, float epsilon,
                           const void* ids, const void* table, const void* segment_ids,
                           const void* segment_table, const void* addend, const void* scale,
                           const void* bias, void* y, cudaStream_t stream);

// InstanceNormalization of (batch, channels, plane): scale and bias hold one
// value per channel.
cudaError_t InstanceNorm(int dtype, int64_t batch, int64_t channels, int64_t plane,
                         float epsilon, const void* x, const void* scale, const void* bias,
                         void* y, cudaStream_t stream);

// MeanVarianceNormalization: each row (an index of the kept dims) holds the
// elements at base(kept coords) + offset(reduced coords), strides in
// elements. y = (x - mean) / (sqrt(variance) + 1e-9).
struct MvnShape {
  int kept_rank = 0;
  int reduced_rank = 0;
  int64_t kept_dims[kMaxRank] = {};
  int64_t kept_strides[kMaxRank] = {};
  int64_t reduced_dims[kMaxRank] = {};
  int64_t reduced_strides[kMaxRank] = {};
  int64_t rows = 0;   // volume of the kept dims
  int64_t count = 0;  // volume of the reduced dims
};
cudaError_t MeanVarianceNorm(int dtype, const MvnShape& shape, const void* x, void* y,
                             cudaStream_t stream);

// LpNormalization of x viewed as (outer, length, inner) along the middle dim;
// p is 1 or 2; a zero norm gives 0.
cudaError_t LpNorm(int dtype, int64_t outer, int64_t length, int64_t inner, int p, const void* x,
                   void* y, cudaStream_t stream);

// Hardmax of x viewed as (outer, length, inner): 1 at the first largest
// element along the middle dim, as cpu_ref's scan with `>`: NaN elements are
// never chosen, except that a NaN first element is (nothing compares greater
// than it).
cudaError_t Hardmax(int dtype, int64_t outer, int64_t length, int64_t inner, const void* x,
                    void* y, cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_NORM_H_
