// cpu_ref MatMulInteger: plain int32 loops, one (M, K) x (K, N) product per
// broadcast batch entry. Products are summed in uint32 so that overflow
// wraps (defined behaviour) rather than being undefined signed overflow.
#include <array>
#include <cstdint>
#include <memory>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/matmul_integer.h"

namespace kiln {
namespace cpu_ref {
namespace {

class MatMulIntegerKernel : public Kernel {
 public:
  absl::Status Run(const KernelArgs& args) const override {
    const Dims& a_dims = args.input_descs[0].dims;
    const Dims& b_dims = args.input_descs[1].dims;
    const Dims& out_dims = args.output_descs[0].dims;
    const int64_t m = a_dims[a_dims.size() - 2], k = a_dims.back(), n = b_dims.back();
    const Dims out_batch(out_dims.begin(), out_dims.end() - 2);
    const std::array<SmallDims, 2> strides = {
        BroadcastStrides(Dims(a_dims.begin(), a_dims.end() - 2), out_batch),
        BroadcastStrides(Dims(b_dims.begin(), b_dims.end() - 2), out_batch)};
    const auto* a = static_cast<const int32_t*>(args.inputs[0]);
    const auto* b = static_cast<const int32_t*>(args.inputs[1]);
    auto* out = static_cast<int32_t*>(args.outputs[0]);
    ForEachBroadcast(out_batch, strides, [&](int64_t batch, const std::array<int64_t, 2>& at) {
      const int32_t* a_mat = a + at[0] * m * k;
      const int32_t* b_mat = b + at[1] * k * n;
      int32_t* out_mat = out + batch * m * n;
      for (int64_t row = 0; row < m; ++row) {
        for (int64_t col = 0; col < n; ++col) {
          uint32_t sum = 0;
          for (int64_t i = 0; i < k; ++i) {
            sum += static_cast<uint32_t>(a_mat[row * k + i]) *
                   static_cast<uint32_t>(b_mat[i * n + col]);
          }
          out_mat[row * n + col] = static_cast<int32_t>(sum);
        }
      }
    });
    return absl::OkStatus();
  }
};

class MatMulIntegerTactic : public Tactic {
 public:
  MatMulIntegerTactic()
      : Tactic(TacticInfo{"cpu_ref.matmul_integer.direct", kMatMulIntegerOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext&,
                                                       absl::Span<const uint8_t>) const override {
    return std::unique_ptr<Kernel>(std::make_unique<MatMulIntegerKernel>());
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<MatMulIntegerTactic>());

}  // namespace cpu_ref
}  // namespace kiln
