// cpu_ref MaxUnpool: zero the output, then scatter each input element to
// the position its index names in the inferred (N, C, E1..Ek) tensor, mapped
// into the output (whose spatial dims may be larger).
#include <cstring>

#include "backends/cpu_ref/common.h"
#include "backends/tactic_registry.h"
#include "graph/status_macros.h"
#include "ops/max_unpool.h"

namespace kiln {
namespace cpu_ref {
namespace {

class MaxUnpoolKernel : public Kernel {
 public:
  // `params` with its strides and pads filled in. The inferred spatial dims
  // follow X's spatial dims, so Run computes them from the descs of the
  // shape being run (as MaxUnpoolInferredSpatial does).
  explicit MaxUnpoolKernel(MaxUnpoolParams params) : params_(std::move(params)) {}

  absl::Status Run(const KernelArgs& args) const override {
    const TensorDesc& x = args.input_descs[0];
    const TensorDesc& out = args.output_descs[0];
    const size_t elem = DataTypeSize(x.dtype);
    const size_t k = params_.kernel_shape.size();
    SmallDims inferred(k);
    int64_t inferred_volume = x.dims[0] * x.dims[1];
    for (size_t i = 0; i < k; ++i) {
      inferred[i] = (x.dims[2 + i] - 1) * params_.strides[i] - params_.pads[i] -
                    params_.pads[k + i] + params_.kernel_shape[i];
      inferred_volume *= inferred[i];
    }
    const auto* in = static_cast<const uint8_t*>(args.inputs[0]);
    const auto* indices = static_cast<const int64_t*>(args.inputs[1]);
    auto* y = static_cast<uint8_t*>(args.outputs[0]);
    std::memset(y, 0, out.bytes());
    for (int64_t e = 0; e < x.volume(); ++e) {
      int64_t index = indices[e];
      if (index < 0 || index >= inferred_volume) continue;
      // Peel the inferred spatial coordinates off, innermost first, and
      // rebuild the offset with the output's spatial dims.
      int64_t offset = 0, out_stride = 1;
      for (size_t i = k; i-- > 0;) {
        offset += (index % inferred[i]) * out_stride;
        index /= inferred[i];
        out_stride *= out.dims[2 + i];
      }
      offset += index * out_stride;  // what is left is the (n, c) plane
      std::memcpy(y + offset * elem, in + e * elem, elem);
    }
    return absl::OkStatus();
  }

 private:
  MaxUnpoolParams params_;
};

class MaxUnpoolTactic : public Tactic {
 public:
  MaxUnpoolTactic()
      : Tactic(TacticInfo{"cpu_ref.max_unpool.direct", kMaxUnpoolOp, kBackend,
                          /*is_reference=*/true, /*accepts_nhwc=*/false,
                          /*dynamic_shapes=*/true}) {}

  absl::Status Supports(const NodeContext& node) const override {
    return RequireLinearFormat(node);
  }

  absl::StatusOr<std::unique_ptr<Kernel>> CreateKernel(const NodeContext& node,
                                                       absl::Span<const uint8_t>) const override {
    KILN_ASSIGN_OR_RETURN(MaxUnpoolParams params, MaxUnpoolParams::FromAttrs(node.attrs));
    // Validates the attributes against X's rank (and the build shape).
    KILN_RETURN_IF_ERROR(MaxUnpoolInferredSpatial(params, node.inputs[0].dims).status());
    const size_t k = params.kernel_shape.size();
    if (params.strides.empty()) params.strides.assign(k, 1);
    if (params.pads.empty()) params.pads.assign(2 * k, 0);
    return std::unique_ptr<Kernel>(std::make_unique<MaxUnpoolKernel>(std::move(params)));
  }
};

}  // namespace

KILN_REGISTER_TACTIC(std::make_unique<MaxUnpoolTactic>());

}  // namespace cpu_ref
}  // namespace kiln
