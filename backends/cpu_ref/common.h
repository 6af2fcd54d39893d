#ifndef KILN_BACKENDS_CPU_REF_COMMON_H_
#define KILN_BACKENDS_CPU_REF_COMMON_H_

// Shared pieces of cpu_ref tactics. Float kernels are written once, in fp32:
// Fp32Kernel converts fp16 inputs to fp32 in the workspace before the kernel
// runs and rounds its fp32 results to fp16 after, so every float op supports
// fp16 tensors with the same code.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "backends/tactic.h"

namespace kiln {
namespace cpu_ref {

inline constexpr char kBackend[] = "cpu_ref";

// Bytes of workspace Fp32Kernel needs to stage the fp16 tensors of `node`.
size_t Fp16StagingBytes(const NodeContext& node);

class Fp32Kernel : public Kernel {
 public:
  // Stages fp16 tensors and calls RunFp32 with the rest of the workspace.
  absl::Status Run(const KernelArgs& args) const final;

 protected:
  // Every float tensor in `args` is fp32 here (whatever the descs say).
  virtual absl::Status RunFp32(const KernelArgs& args) const = 0;
};

// A cpu_ref tactic whose kernel is an Fp32Kernel: adds the staging bytes to
// the kernel's own workspace.
class Fp32Tactic : public Tactic {
 public:
  Fp32Tactic(std::string name, std::string op, bool is_reference, bool dynamic_shapes = false)
      : Tactic(TacticInfo{std::move(name), std::move(op), kBackend, is_reference,
                          /*accepts_nhwc=*/false, dynamic_shapes}) {}

  size_t WorkspaceSize(const NodeContext& node) const final {
    return Fp16StagingBytes(node) + KernelWorkspaceSize(node);
  }

 protected:
  // Workspace of the fp32 kernel itself (im2col buffers and the like).
  virtual size_t KernelWorkspaceSize(const NodeContext& node) const { return 0; }
};

// OK when every present input and every output of `node` is fp32 or fp16.
absl::Status RequireFloatTensors(const NodeContext& node);

// OK when every present input and every output of `node` is linear
// (row-major; NCHW for 4-D): the only layout cpu_ref kernels index.
absl::Status RequireLinearFormat(const NodeContext& node);

// Per-dimension scratch of a kernel's Run; inline up to rank 8 (TensorRT's
// limit), so Run allocates nothing for any realistic tensor.
using SmallDims = absl::InlinedVector<int64_t, 8>;

// out[i_0, ..., i_{r-1}] = in[sum_d i_d * in_strides[d]] (strides counted in
// elements, possibly negative), written in row-major output order. Elements
// of `elem_size` bytes (1, 2, 4 or 8) are copied as unsigned integers of that
// size, so the copy is bit-exact for every dtype.
void StridedCopy(const void* in, size_t elem_size, const SmallDims& out_dims,
                 const SmallDims& in_strides, void* out);

// The indices i in [begin, end) of [0, count) for which
// i * stride - pad + tap_offset lies inside [0, limit). For one filter tap of
// a convolution these are the output positions that read inside the input;
// of a deconvolution, the input positions that write inside the output.
// Computing the range once keeps the bounds test out of the innermost loop.
struct TapRange {
  int64_t begin, end;
};
TapRange ValidTapRange(int64_t count, int64_t limit, int64_t stride, int64_t pad,
                       int64_t tap_offset);

// numpy broadcasting in kernels. BroadcastStrides gives the element strides
// of an input with `in_dims` right-aligned to `out_dims`: 0 along the dims it
// broadcasts (size 1, or missing on the left).
SmallDims BroadcastStrides(const Dims& in_dims, const Dims& out_dims);

// Calls fn(out_index, offsets) for every output element in row-major order,
// where offsets[k] is the matching element of input k given its `strides`
// from BroadcastStrides (an odometer, so no division per element).
template <size_t N, typename Fn>
void ForEachBroadcast(const Dims& out_dims, const std::array<SmallDims, N>& strides, Fn fn) {
  const int64_t volume = Volume(out_dims);
  const int64_t rank = static_cast<int64_t>(out_dims.size());
  SmallDims index(rank, 0);
  std::array<int64_t, N> offsets{};
  for (int64_t i = 0; i < volume; ++i) {
    fn(i, offsets);
    for (int64_t d = rank - 1; d >= 0; --d) {
      for (size_t k = 0; k < N; ++k) offsets[k] += strides[k][d];
      if (++index[d] < out_dims[d]) break;
      for (size_t k = 0; k < N; ++k) offsets[k] -= strides[k][d] * out_dims[d];
      index[d] = 0;
    }
  }
}

// Rounds `bytes` up to a multiple of 64.
inline size_t Align64(size_t bytes) { return (bytes + 63) / 64 * 64; }

// Element i of an index tensor of `dtype` kInt64 or kInt32 (the indices of
// Gather, GatherElements, GatherND, ScatterElements and ScatterND).
inline int64_t ReadIndex(const void* indices, DataType dtype, int64_t i) {
  return dtype == DataType::kInt64 ? static_cast<const int64_t*>(indices)[i]
                                   : static_cast<const int32_t*>(indices)[i];
}

}  // namespace cpu_ref
}  // namespace kiln

#endif  // KILN_BACKENDS_CPU_REF_COMMON_H_
