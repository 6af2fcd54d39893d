#ifndef KILN_BACKENDS_CUDA_KERNELS_POINTWISE_H_
#define KILN_BACKENDS_CUDA_KERNELS_POINTWISE_H_

// Launchers of the element-wise kernels of the activation-like and
// element-wise families (kernels/pointwise.cu): Celu, Shrink, IsNanInf,
// PRelu, Where, Compare, Logical, Mod, BitShift. Same conventions as
// kernels.h: plain C++ with CUDA types, `dtype` is kiln::DataType as an int
// (0 fp32, 1 fp16, 2 int8, 3 int32, 4 int64, 5 bool), fp16 is computed in
// fp32 and rounded once at the output (cpu_ref's Fp32Kernel does the same).

#include <cuda_runtime.h>

#include <cstdint>

#include "backends/cuda/kernels/kernels.h"

namespace kiln {
namespace cuda {
namespace kernels {

// Element strides of an operand with dims `in` right-aligned to `out`: 0
// along a dim of size 1 or missing on the left. DimsT is any container of
// int64_t (kiln::Dims in the tactics).
template <typename DimsT>
void RightAlignedStrides(const DimsT& in, const DimsT& out, int64_t* strides) {
  const int rank = static_cast<int>(out.size());
  const int in_rank = static_cast<int>(in.size());
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const int src = in_rank - (rank - d);
    strides[d] = (src < 0 || in[src] == 1) ? 0 : stride;
    if (src >= 0) stride *= in[src];
  }
}

// The BroadcastShape of a binary op with operand dims `a`, `b` and output
// dims `out` (rank <= kMaxRank, checked by the tactic's Supports).
template <typename DimsT>
BroadcastShape MakeBroadcastShape(const DimsT& a, const DimsT& b, const DimsT& out) {
  BroadcastShape s;
  s.rank = static_cast<int>(out.size());
  for (int d = 0; d < s.rank; ++d) s.out_dims[d] = out[d];
  RightAlignedStrides(a, out, s.a_strides);
  RightAlignedStrides(b, out, s.b_strides);
  return s;
}

// out = max(0, x) + min(0, alpha * expm1(x / alpha)); dtype fp32 or fp16.
cudaError_t Celu(int dtype, float alpha, int64_t n, const void* in, void* out,
                 cudaStream_t stream);

// out = x < -lambd ? x + bias : (x > lambd ? x - bias : 0); fp32 or fp16.
cudaError_t Shrink(int dtype, float lambd, float bias, int64_t n, const void* in, void* out,
                   cudaStream_t stream);

// bool out: NaN (inf false), or +inf / -inf as detected (inf true); the input
// is fp32 or fp16.
cudaError_t IsNanInf(int dtype, bool inf, bool detect_positive, bool detect_negative, int64_t n,
                     const void* in, uint8_t* out, cudaStream_t stream);

// out = x < 0 ? slope * x : x; `shape` has x's strides as a, slope's as b.
cudaError_t PRelu(int dtype, const BroadcastShape& shape, int64_t n, const void* x,
                  const void* slope, void* out, cudaStream_t stream);

// Where: strides of condition, x and y right-aligned to the output.
struct WhereShape {
  int rank = 0;
  int64_t out_dims[kMaxRank] = {};
  int64_t cond_strides[kMaxRank] = {};
  int64_t x_strides[kMaxRank] = {};
  int64_t y_strides[kMaxRank] = {};
};
// out = cond != 0 ? x : y, elements of `elem_size` bytes (1, 2, 4, 8) copied
// as unsigned integers, so every dtype is selected bit-exactly.
cudaError_t Where(int elem_size, const WhereShape& shape, int64_t n, const uint8_t* cond,
                  const void* x, const void* y, void* out, cudaStream_t stream);

// bool out = a <op> b; `op` is kiln::CompareOp as an int; any dtype (fp16 is
// compared as float, bool as false < true, NaN unordered as in IEEE).
cudaError_t Compare(int dtype, int op, const BroadcastShape& shape, int64_t n, const void* a,
                    const void* b, uint8_t* out, cudaStream_t stream);

// `op` is kiln::LogicalOp as an int: and, or, xor broadcast a with b; not
// (b == nullptr, shape unused) negates the n elements of a.
cudaError_t Logical(int op, const BroadcastShape& shape, int64_t n, const uint8_t* a,
                    const uint8_t* b, uint8_t* out, cudaStream_t stream);

// ops/mod.h: floats use fmod (exact); integers (int8, int32, int64) the
// remainder with the sign of a (fmod) or of b (!fmod), x mod 0 and x mod -1
// are 0 as in cpu_ref.
cudaError_t Mod(int dtype, bool fmod, const BroadcastShape& shape, int64_t n, const void* a,
                const void* b, void* out, cudaStream_t stream);

// ops/bit_shift.h on int32 or int64 (is_64) values read as unsigned
// `width`-bit numbers.
cudaError_t BitShift(bool is_64, bool left, int width, const BroadcastShape& shape, int64_t n,
                     const void* x, const void* y, void* out, cudaStream_t stream);

}  // namespace kernels
}  // namespace cuda
}  // namespace kiln

#endif  // KILN_BACKENDS_CUDA_KERNELS_POINTWISE_H_
