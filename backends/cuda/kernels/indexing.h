#ifndef KILN_BACKENDS_CUDA_KERNELS_INDEXING_H_
#define KILN_BACKENDS_CUDA_KERNELS_INDEXING_H_

// Launchers of the indexing, scatter/gather and data-movement kernels
// (indexing.cu, scan.cu), each with the semantics of the op's cpu_ref tactic.
// Plain C++ with CUDA types only. Elements that are only moved are copied as
// unsigned integers of their size (bit-exact for every dtype); `dtype`
// arguments are kiln::DataType as ints (0 fp32, 1 fp16, 2 int8, 3 int32,
// 4 int64, 5 bool). Indices read on the device cannot be reported when out of
// range (Run validates nothing): each launcher says what it does instead.

#include <cuda_runtime.h>

#include <cstdint>

#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {

// ---- Data movement ----

// Tile: out[c_0..c_{r-1}] = in[c_0 mod in_dims[0], ...]. rank 0 copies one
// element.
struct TileShape {
  int rank = 0;
  int64_t out_dims[kMaxRank] = {};
  int64_t in_dims[kMaxRank] = {};
};
cudaError_t Tile(int elem_size, const TileShape& shape, const void* in, void* out,
                 cudaStream_t stream);

// Trilu over `matrices` (rows x cols) matrices: element (r, c) is copied when
// c - r >= k (upper) or c - r <= k (lower), else all-zero bytes.
cudaError_t Trilu(int elem_size, int64_t matrices, int64_t rows, int64_t cols, bool upper,
                  int64_t k, const void* in, void* out, cudaStream_t stream);

// EyeLike: a rows x cols matrix with the bits `one` (low elem_size bytes) at
// (r, r + k) and all-zero bytes elsewhere.
cudaError_t EyeLike(int elem_size, uint64_t one, int64_t rows, int64_t cols, int64_t k,
                    void* out, cudaStream_t stream);

// OneHot: out viewed as (outer, depth, inner) is `off` except
// out[o][index(o, i)][i] = `on` (bits, low elem_size bytes). Indices
// (outer x inner) are int32 (index_type 3), int64 (4) or fp32 (0, truncated
// toward zero; NaN and |v| >= 9e18 select nothing); an index in [-depth, -1]
// counts from the end, one outside [-depth, depth) selects nothing (as in
// cpu_ref, not an error).
cudaError_t OneHot(int elem_size, uint64_t off, uint64_t on, int64_t outer, int64_t depth,
                   int64_t inner, int index_type, const void* indices, void* out,
                   cudaStream_t stream);

// Range: out[i] = start + i * delta computed in double (no FMA) and
// converted once: fp32/fp16 rounded to nearest even (fp16 through fp32, as
// cpu_ref), integers with llround.
cudaError_t Range(int dtype, double start, double delta, int64_t n, void* out,
                  cudaStream_t stream);

// ReverseSequence on input viewed as (d0, d1, inner), batch on d0 when
// batch_first else on d1 (time on the other). Lengths (int32, or int64 when
// lens_64) are clamped to [0, time steps].
cudaError_t ReverseSequence(int elem_size, int64_t d0, int64_t d1, int64_t inner,
                            bool batch_first, const void* lens, bool lens_64, const void* in,
                            void* out, cudaStream_t stream);

// GatherElements / ScatterElements: indices of dims idx_dims (data's rank),
// data of row-major element strides data_strides; the index replaces the
// coordinate along `axis` (size axis_size).
struct ElementsShape {
  int rank = 0;
  int axis = 0;
  int64_t axis_size = 0;
  int64_t idx_dims[kMaxRank] = {};
  int64_t data_strides[kMaxRank] = {};
};

// out[p] = data[p with p[axis] = indices[p]]; an index outside
// [-axis_size, axis_size) writes zero bytes.
cudaError_t GatherElements(int elem_size, const ElementsShape& shape, const void* data,
                           const void* indices, bool index_is_64, void* out, cudaStream_t stream);

// GatherND: tuples of k coordinates into dims sizes[0..k) (element strides
// strides[0..k)) of each of `batches` batch entries (batch_stride apart),
// `tuples` tuples per entry, each copying a contiguous slice of `slice`
// elements. A tuple with a coordinate outside [-n, n) writes zero bytes.
struct GatherNDShape {
  int k = 0;
  int64_t batches = 0;
  int64_t tuples = 0;  // per batch entry
  int64_t slice = 0;
  int64_t batch_stride = 0;
  int64_t sizes[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};
};
cudaError_t GatherND(int elem_size, const GatherNDShape& shape, const void* data,
                     const void* indices, bool index_is_64, void* out, cudaStream_t stream);

// ---- Scatter (out must already hold a copy of data). `reduction` is
// kiln::ScatterReduction as an int (0 none, 1 add, 2 mul, 3 max, 4 min);
// "none" takes any dtype (moved bit-exactly), the others fp32, fp16
// (combined in fp32, rounded after every update, as cpu_ref), int8, int32,
// int64 (wrapping). Updates are applied in cpu_ref's order (row-major over
// indices), so duplicate indices give its result exactly. An out-of-range
// index skips its update. ----

// One thread per line of indices along the axis: lines write disjoint
// outputs, and each walks its line in order.
cudaError_t ScatterElements(int dtype, int reduction, const ElementsShape& shape,
                            const void* indices, bool index_is_64, const void* updates, void* out,
                            cudaStream_t stream);

// ScatterND: `tuples` tuples of k coordinates into data dims sizes[0..k),
// each combining a slice of `slice` elements (strides[j]: elements per step
// of coordinate j). One thread per slice element walks every tuple in
// order.
cudaError_t ScatterND(int dtype, int reduction, const GatherNDShape& shape, const void* indices,
                      bool index_is_64, const void* updates, void* out, cudaStream_t stream);

// ---- Scans along an axis of x viewed as (outer, n, inner), one thread per
// (outer, inner) run, in cpu_ref's order. ----

// CumSum: fp32, fp16 (summed in fp32), int32, int64 (wrapping).
cudaError_t CumSum(int dtype, int64_t outer, int64_t n, int64_t inner, bool exclusive,
                   bool reverse, const void* in, void* out, cudaStream_t stream);

// ArgMax (is_max) / ArgMin to int64: first extreme wins, or the last with
// select_last; NaNs are skipped, an all-NaN run gives 0. fp32, fp16, int8,
// int32, int64.
cudaError_t ArgReduce(int dtype, bool is_max, bool select_last, int64_t outer, int64_t n,
                      int64_t inner, const void* in, int64_t* out, cudaStream_t stream);

// TopK: the k first elements of each run in the strict order "larger (or
// smaller) value first, then lower index", NaN above every number; values
// copied bit-exactly, indices as int64. k selection passes per run.
cudaError_t TopK(int dtype, bool largest, int64_t outer, int64_t n, int64_t inner, int64_t k,
                 const void* in, void* values, int64_t* indices, cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_INDEXING_H_
