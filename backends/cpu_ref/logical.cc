// cpu_ref Logical: bools are bytes, read as nonzero = true, written as 0/1.
#include <array>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/logical.h"

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

class LogicalKernel : public Kernel {
 public:
  explicit LogicalKernel(LogicalOp op) : op_(op) {}

  absl::Status Run(const KernelArgs& args) const override {
    const auto* a = static_cast<const uint8_t*>(args.inputs[0]);
    auto* out = static_cast<uint8_t*>(args.outputs[0]);
    if (op_ == LogicalOp::kNot) {
      const int64_t n = args.output_descs[0].volume();
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] == 0 ? 1 : 0;
      return absl::OkStatus();
    }
    const auto* b = static_cast<const uint8_t*>(args.inputs[1]);
    const Dims& out_dims = args.output_descs[0].dims;
    const std::array<SmallDims, 2> strides = {BroadcastStrides(args.input_descs[0].dims, out_dims),
                                              BroadcastStrides(args.input_descs[1].dims, out_dims)};
    const LogicalOp op = op_;
    ForEachBroadcast(out_dims, strides, [&](int64_t i, const std::array<int64_t, 2>& at) {
      const bool x = a[at[0]] != 0;
      const bool y = b[at[1]] != 0;
      bool r = false;
      switch (op) {
        case LogicalOp::kAnd: r = x && y; break;
        case LogicalOp::kOr: r = x || y; break;
        case LogicalOp::kXor: r = x != y; break;
        case LogicalOp::kNot: break;
      }
      out[i] = r ? 1 : 0;
    });
    return absl::OkStatus();
  }

 private:
  LogicalOp op_;
};

class LogicalTactic : public Tactic {
 public:
  LogicalTactic()
      : Tactic(TacticInfo{"cpu_ref.logical.direct", kLogicalOp, kBackend, /*is_reference=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    absl::StatusOr<LogicalParams> params = LogicalParams::FromAttrs(node.attrs);
    if (!params.ok()) return node.Error(params.status().message());
    return std::unique_ptr<Kernel>(std::make_unique<LogicalKernel>(params->op));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<LogicalTactic>());

}  // namespace cpu_ref
}  // namespace kiln
