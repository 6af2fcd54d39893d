// cpu_ref Where: a broadcasting select that copies elements bit-exactly as
// unsigned integers of the element size, so it serves every dtype.
#include <array>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/where.h"

namespace kiln {
namespace cpu_ref {
namespace {

// Element strides of an input with `in_dims`, right-aligned to `out_dims`:
// 0 along the dims it broadcasts (size 1, or missing on the left).
SmallDims BroadcastStrides(const Dims& in_dims, const Dims& out_dims) {
  const size_t rank = out_dims.size();
  const size_t shift = rank - in_dims.size();
  SmallDims strides(rank, 0);
  int64_t stride = 1;
  for (size_t d = rank; d-- > shift;) {
    const int64_t size = in_dims[d - shift];
    strides[d] = size == 1 ? 0 : stride;
    stride *= size;
  }
  return strides;
}

// Calls fn(out_index, offsets) for every output element in row-major order,
// where offsets[k] is the matching element of input k (an odometer, so no
// division per element).
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

template <typename T>
void Select(const KernelArgs& args) {
  const Dims& out_dims = args.output_descs[0].dims;
  const std::array<SmallDims, 3> strides = {BroadcastStrides(args.input_descs[0].dims, out_dims),
                                            BroadcastStrides(args.input_descs[1].dims, out_dims),
                                            BroadcastStrides(args.input_descs[2].dims, out_dims)};
  const auto* cond = static_cast<const uint8_t*>(args.inputs[0]);
  const auto* x = static_cast<const T*>(args.inputs[1]);
  const auto* y = static_cast<const T*>(args.inputs[2]);
  auto* out = static_cast<T*>(args.outputs[0]);
  ForEachBroadcast(out_dims, strides, [&](int64_t i, const std::array<int64_t, 3>& at) {
    out[i] = cond[at[0]] != 0 ? x[at[1]] : y[at[2]];
  });
}

class WhereKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    switch (DataTypeSize(args.output_descs[0].dtype)) {
      case 1: Select<uint8_t>(args); break;
      case 2: Select<uint16_t>(args); break;
      case 4: Select<uint32_t>(args); break;
      case 8: Select<uint64_t>(args); break;
    }
    return absl::OkStatus();
  }
};

class WhereTactic : public Tactic {
 public:
  WhereTactic()
      : Tactic(TacticInfo{"cpu_ref.where.direct", kWhereOp, kBackend, /*is_reference=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<WhereKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<WhereTactic>());

}  // namespace cpu_ref
}  // namespace kiln
